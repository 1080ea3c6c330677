// The database seam every app shares: the module (TypeORM root, dialect, transactions), the settings and
// URL parsing the CLIs and tests need, the dialect port, transactions, and the phone re-keying job.
export * from './database.module';
export { databaseConfig } from './database.config';
export { buildDataSourceOptions, parseDatabaseUrl } from './database-url';
export type { DatabaseSettings } from './database-url';
export { SqlDialect } from './dialect/sql-dialect';
export { DatabaseBusyError, DatabaseUnavailableError, TransactionRunner } from './transaction-runner';
export * from './phone-rekey';
export { parseDbDate } from './db-date';
export { queryRows } from './query-rows';
export { selectEntities } from './select-entities';
export type { RawQueryable } from './query-rows';
