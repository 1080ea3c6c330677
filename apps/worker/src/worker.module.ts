import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { ScheduleModule } from '@nestjs/schedule';
import { ClockModule, envValidator, PhoneVaultModule } from '@app/core';
import { DatabaseModule } from '@app/database';
import { TaskModule } from '@app/task';
import { ObservabilityModule } from '@app/observability';
import { WorkerEnv } from './config/worker-env';
import { SyncScheduler } from './sync.scheduler';
import { SyncPassRunner } from './sync-pass.runner';

/**
 * The worker: the sync, plus (from ObservabilityModule) the probes and `/metrics` it serves on WORKER_PORT
 * when main.ts runs it as an HTTP app; no business routes. As an application context (tests, `--once`)
 * nothing listens. `scheduled: false` (for `--once`) leaves the cron out.
 */
@Module({})
export class WorkerModule {
  static forRoot(options: { scheduled: boolean }): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        ConfigModule.forRoot({ isGlobal: true, cache: true, validate: envValidator(WorkerEnv) }),
        ObservabilityModule.forRoot({ service: 'ai-visitor-worker' }),
        ClockModule,
        PhoneVaultModule,
        DatabaseModule.forRootAsync({
          inject: [ConfigService],
          useFactory: (config: ConfigService) => ({
            url: config.get('DATABASE_URL') || undefined,
            sqlitePath: config.get('SQLITE_PATH'),
            logSql: config.get('LOG_SQL') === 'true',
          }),
        }),
        TaskModule.forRoot(),
        ...(options.scheduled ? [ScheduleModule.forRoot()] : []),
      ],
      providers: [SyncPassRunner, ...(options.scheduled ? [SyncScheduler] : [])],
    };
  }
}
