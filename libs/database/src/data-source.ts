import { DataSource } from 'typeorm';
import { buildDataSourceOptions, ENTITY_GLOBS } from './database-url';

/** The DataSource the TypeORM CLI and `npm run migration:run` use; same settings as the apps. */
export function createDataSource(url = process.env.DATABASE_URL): DataSource {
  if (!url) throw new Error('DATABASE_URL is required (e.g. mysql://root@127.0.0.1:3306/test)');
  return new DataSource({ ...buildDataSourceOptions({ url }), entities: ENTITY_GLOBS });
}
