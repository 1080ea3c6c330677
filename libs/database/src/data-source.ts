import { DataSource } from 'typeorm';
import { buildDataSourceOptions, ENTITY_GLOBS } from './database-url';

/** The DataSource `npm run migration:run` uses: DATABASE_URL, or the embedded SQLite file (SQLITE_PATH). */
export function createDataSource(env: NodeJS.ProcessEnv = process.env): DataSource {
  return new DataSource({
    ...buildDataSourceOptions({ url: env.DATABASE_URL || undefined, sqlitePath: env.SQLITE_PATH || undefined }),
    entities: ENTITY_GLOBS,
  });
}
