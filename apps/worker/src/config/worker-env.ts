import { IsInt, IsString, Max, Min, Validate, ValidationArguments, ValidatorConstraint, ValidatorConstraintInterface } from 'class-validator';
import { CronTime } from 'cron';
import { SharedEnv } from '@app/core';

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

export class WorkerEnv extends SharedEnv {
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

  @IsInt()
  @Min(1)
  @Max(1000)
  SYNC_PAGE_SIZE: number = 500;

  @IsInt()
  @Min(1)
  @Max(64)
  SYNC_CONCURRENCY: number = 4;

  /** How long a worker's claim on a task lasts without renewal (database time); renewed at every step. */
  @IsInt()
  @Min(10)
  @Max(86_400)
  SYNC_LEASE_SECONDS: number = 300;

  /** The worker's own small HTTP port: `/health/live`, `/health/ready` and `/metrics` only. */
  @IsInt()
  @Min(0)
  @Max(65535)
  WORKER_PORT: number = 3001;
}
