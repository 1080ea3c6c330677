/**
 * A row as `query()` returns it, for the suites that read the database directly: TypeORM types raw results as
 * `any`, a suite names what it reads (`ds.query<{ n: number | string }[]>(…)`) or takes the row as one of these.
 * The drivers differ: SQLite gives numbers where MariaDB gives BIGINTs and DECIMALs as strings, and datetimes as
 * Dates where SQLite gives text; a suite that compares values converts them (Number, String, parseDbDate).
 */
export type DbValue = string | number | Date | Buffer | null;
export type DbRow = Record<string, DbValue>;
