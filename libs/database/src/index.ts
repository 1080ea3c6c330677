export * from './database.module';
export * from './database-url';
export * from './dialect/sql-dialect';
export * from './dialect/mysql-dialect';
export * from './transaction-runner';
export * from './safe-typeorm-logger';
export * from './dialect/sqlite-dialect';
export * from './phone-rekey';
