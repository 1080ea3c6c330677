// The database seam every app shares: the module (TypeORM root, dialect, transactions), the settings and
// URL parsing the CLIs and tests need, the dialect port, transactions, and the phone re-keying job.
export * from './database.module';
export * from './database.config';
export { buildDataSourceOptions, databaseKind, parseDatabaseUrl, DEFAULT_SQLITE_PATH } from './database-url';
export type { DatabaseKind, DatabaseSettings } from './database-url';
export { SqlDialect } from './dialect/sql-dialect';
export { DatabaseBusyError, TransactionRunner } from './transaction-runner';
export * from './phone-rekey';
