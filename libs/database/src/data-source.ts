import { DataSource } from 'typeorm';
import { buildDataSourceOptions, DatabaseSettings, ENTITY_GLOBS } from './database-url';

/** The DataSource of the CLI entry points (`npm run migration:run`, `npm run phones:rekey`): given `databaseConfig()`. */
export function createDataSource(settings: DatabaseSettings): DataSource {
  return new DataSource({ ...buildDataSourceOptions(settings), entities: ENTITY_GLOBS });
}
