/** What runs a raw statement: an `EntityManager`, a `QueryRunner` or a `DataSource`. */
export interface RawQueryable {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

/**
 * The rows a raw SELECT returned, typed by the caller: the drivers hand them back untyped. Each engine's values are
 * as the driver gives them (MySQL's counts and ids are strings under `bigNumberStrings`, SQLite's are numbers), so a
 * row type names both where they differ and the caller converts.
 */
export async function queryRows<T extends object>(
  runner: RawQueryable,
  sql: string,
  parameters?: unknown[],
): Promise<T[]> {
  const rows = await runner.query(sql, parameters);
  return rows as T[];
}
