import {
  IsInt,
  IsString,
  Max,
  Min,
  Validate,
  ValidationArguments,
  ValidatorConstraint,
  ValidatorConstraintInterface,
} from 'class-validator';
import { ConfigType } from '@nestjs/config';
import { CronTime } from 'cron';
import { envNamespace } from '@app/core';

@ValidatorConstraint({ name: 'cronExpression' })
class IsCronExpression implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    try {
      new CronTime(String(value));
      return true;
    } catch {
      return false;
    }
  }

  defaultMessage(args?: ValidationArguments): string {
    return `${args?.property ?? 'SYNC_CRON'} must be a cron expression such as "*/30 * * * *"`;
  }
}

/** The worker's own variables; the libs' namespaces (see worker-namespaces.ts) declare theirs. */
export class WorkerEnv {
  /** How often the sync pass runs; the review's 30 minutes by default. */
  @IsString()
  @Validate(IsCronExpression)
  SYNC_CRON: string = '*/30 * * * *';

  /**
   * How often the light edge check runs: tasks whose call window or BOT just closed are paused, and tasks the
   * window paused are resumed when it opens, within this period rather than at the next full sync.
   */
  @IsString()
  @Validate(IsCronExpression)
  SYNC_EDGE_CRON: string = '* * * * *';

  /** How often the BOT expiry notices are looked for (`firm.bot_expiring` a week and a day ahead, `firm.bot_expired`). */
  @IsString()
  @Validate(IsCronExpression)
  BOT_EXPIRY_CRON: string = '*/10 * * * *';

  /** How often events older than EVENTS_RETENTION_DAYS are deleted (with their webhook deliveries). */
  @IsString()
  @Validate(IsCronExpression)
  EVENTS_PURGE_CRON: string = '0 * * * *';

  /** The worker's own small HTTP port: `/health/live`, `/health/ready` and `/metrics` only. */
  @IsInt()
  @Min(0)
  @Max(65535)
  WORKER_PORT: number = 3001;
}

export const workerConfig = envNamespace('worker', WorkerEnv, (env) => ({
  syncCron: env.SYNC_CRON,
  syncEdgeCron: env.SYNC_EDGE_CRON,
  botExpiryCron: env.BOT_EXPIRY_CRON,
  eventsPurgeCron: env.EVENTS_PURGE_CRON,
  port: env.WORKER_PORT,
}));

export type WorkerConfig = ConfigType<typeof workerConfig>;
