import { Transform } from 'class-transformer';
import {
  IsIn, IsInt, IsOptional, IsString, IsUrl, Matches, Max, Min, MinLength, Validate, ValidationArguments,
  ValidatorConstraint, ValidatorConstraintInterface,
} from 'class-validator';
import { phoneKeysFromEnv, PhoneVaultError } from '../privacy/phone-vault';

/** The three phone-key variables make sense only together: checked as one. */
@ValidatorConstraint({ name: 'phoneKeys' })
class PhoneKeysAreUsable implements ValidatorConstraintInterface {
  private problem = '';

  validate(_value: unknown, args: ValidationArguments): boolean {
    try {
      phoneKeysFromEnv(args.object as SharedEnv);
      return true;
    } catch (error) {
      if (!(error instanceof PhoneVaultError)) throw error;
      this.problem = error.message;
      return false;
    }
  }

  defaultMessage(): string {
    return this.problem;
  }
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];

/** Variables every app that talks to the database and the robot-call platform reads. */
export class SharedEnv {
  /** MySQL/MariaDB in production. Unset: the embedded SQLite database at SQLITE_PATH. */
  @Transform(({ value }) => (value === '' ? undefined : value))
  @IsOptional()
  @Matches(/^(mysql|mariadb):\/\/[^/]+\/\w+/, {
    message: 'DATABASE_URL must look like mysql://user:password@host:3306/database (or be unset for the embedded database)',
  })
  DATABASE_URL?: string;

  @IsString()
  @MinLength(1)
  SQLITE_PATH: string = 'data/ai-visitor.sqlite';

  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['http', 'https'] }, {
    message: 'ROBOT_CALL_BASE_URL must be an http(s) URL',
  })
  ROBOT_CALL_BASE_URL: string = 'http://127.0.0.1:4010';

  @IsString()
  @MinLength(1)
  ROBOT_CALL_API_KEY: string = 'dev-robot-key';

  @IsInt()
  @Min(100)
  @Max(120_000)
  ROBOT_CALL_TIMEOUT_MS: number = 5000;

  @IsInt()
  @Min(0)
  @Max(10)
  ROBOT_CALL_RETRIES: number = 2;

  /** How long the circuit breaker stays open (calls fail fast) before a trial call. */
  @IsInt()
  @Min(100)
  @Max(600_000)
  ROBOT_CALL_BREAKER_RESET_MS: number = 10_000;

  @IsInt()
  @Min(1)
  @Max(10_000)
  TASK_DEFAULT_BATCH_SIZE: number = 200;

  @IsInt()
  @Min(1)
  @Max(10_000)
  TASK_MAX_BATCH_SIZE: number = 1000;

  @IsInt()
  @Min(1)
  @Max(10)
  TASK_DEFAULT_MAX_ATTEMPTS: number = 2;

  @IsInt()
  @Min(0)
  @Max(10_080)
  TASK_DEFAULT_RETRY_GAP_MINUTES: number = 60;

  /** A firm calls a number at most once per this many days across its tasks. */
  @IsInt()
  @Min(0)
  @Max(365)
  COOLING_PERIOD_DAYS: number = 7;

  /** "Inconvenient now" is called back at the call window's opening this many days later (0: the next opening). */
  @IsInt()
  @Min(0)
  @Max(30)
  INCONVENIENT_CALLBACK_DAYS: number = 1;

  @IsOptional()
  @IsIn(['true', 'false'])
  LOG_SQL?: string;

  /**
   * Phone numbers are stored encrypted (AES-256-GCM) under these keys: `id:base64key[,id:base64key…]`, each
   * key 32 random bytes. Keep retired keys listed until `npm run phones:rekey` has resealed their rows.
   * Required with a DATABASE_URL; unset with the embedded database, public development keys are used.
   */
  @IsOptional()
  @IsString()
  PHONE_ENCRYPTION_KEYS?: string;

  /** The key id that seals new numbers; default: the first in PHONE_ENCRYPTION_KEYS. */
  @IsOptional()
  @IsString()
  PHONE_ENCRYPTION_KEY_ID?: string;

  /**
   * Key of the keyed hash (HMAC-SHA256) the look-ups run on (dedup, cooling, do-not-call): base64 of ≥ 32
   * random bytes. Never change it on a live database: every stored hash would stop matching.
   */
  @Validate(PhoneKeysAreUsable)
  PHONE_HASH_KEY?: string;

  /** Lowest level written to the JSON log on stdout; `silent` writes nothing. */
  @IsIn(LOG_LEVELS, { message: `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}` })
  LOG_LEVEL: LogLevelName = 'info';

  /**
   * On SIGTERM: how long in-flight HTTP requests (and, in the worker, a sync pass in progress) may run on
   * before the process closes anyway. Keep it below the orchestrator's grace period (Kubernetes: 30 s).
   */
  @IsInt()
  @Min(0)
  @Max(600_000)
  SHUTDOWN_TIMEOUT_MS: number = 25_000;
}
