import { DynamicModule, FactoryProvider, Global, Module } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions, DatabaseSettings } from './database-url';
import { databaseConfig } from './database.config';
import { SqlDialect } from './dialect/sql-dialect';
import { MysqlDialect } from './dialect/mysql-dialect';
import { SqliteDialect } from './dialect/sqlite-dialect';
import { TransactionRunner } from './transaction-runner';

export interface DatabaseModuleAsyncOptions {
  imports?: DynamicModule['imports'];
  inject?: FactoryProvider['inject'];
  useFactory: FactoryProvider<DatabaseSettings>['useFactory'];
}

/**
 * The TypeORM connection plus the dialect seam and the transaction runner, for every app. Entities are
 * registered by the lib that owns them (`TypeOrmModule.forFeature`) and picked up by `autoLoadEntities`.
 */
@Global()
@Module({})
export class DatabaseModule {
  /** The connection of `databaseConfig` (DATABASE_URL, SQLITE_PATH, LOG_SQL): the app loads that namespace. */
  static forRootFromConfig(): DynamicModule {
    return DatabaseModule.forRootAsync({
      inject: [databaseConfig.KEY],
      useFactory: (settings: ConfigType<typeof databaseConfig>) => settings,
    });
  }

  static forRootAsync(options: DatabaseModuleAsyncOptions): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          imports: options.imports,
          inject: options.inject,
          useFactory: async (...args: unknown[]) => ({
            ...buildDataSourceOptions(await options.useFactory(...args)),
            autoLoadEntities: true,
          }),
        }),
      ],
      providers: [
        {
          provide: SqlDialect,
          inject: [DataSource],
          useFactory: (dataSource: DataSource) =>
            dataSource.options.type === 'better-sqlite3' ? new SqliteDialect() : new MysqlDialect(),
        },
        TransactionRunner,
      ],
      exports: [SqlDialect, TransactionRunner],
    };
  }
}
