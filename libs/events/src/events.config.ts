import { Transform } from 'class-transformer';
import {
  IsInt,
  IsString,
  Max,
  Min,
  ValidationArguments,
  ValidatorConstraint,
  ValidatorConstraintInterface,
  Validate,
} from 'class-validator';
import { envNamespace } from '@app/core';

/**
 * Events carry calls' conversations (`contact.called`), so they may not be kept longer than the conversations
 * themselves: a start-up error, not a silent clamp.
 */
@ValidatorConstraint({ name: 'notBeyondCallContentRetention' })
class NotBeyondCallContentRetention implements ValidatorConstraintInterface {
  validate(value: unknown, args: ValidationArguments): boolean {
    const content = (args.object as EventsEnv).CALL_CONTENT_RETENTION_DAYS;
    return typeof value !== 'number' || typeof content !== 'number' || value <= content;
  }

  defaultMessage(args: ValidationArguments): string {
    const content = (args.object as EventsEnv).CALL_CONTENT_RETENTION_DAYS;
    return (
      `EVENTS_RETENTION_DAYS (${String(args.value)}) may not exceed CALL_CONTENT_RETENTION_DAYS (${String(content)}): ` +
      "events carry calls' conversations, which are kept no longer than that; lower EVENTS_RETENTION_DAYS or raise CALL_CONTENT_RETENTION_DAYS"
    );
  }
}

/** The events' variables (docs/events.md, docs/configuration.md). */
export class EventsEnv {
  /**
   * Events are kept this many days (the feed's reach), then deleted with their deliveries by the worker. At most
   * CALL_CONTENT_RETENTION_DAYS: events carry conversations.
   */
  @IsInt()
  @Min(1)
  @Max(3650)
  @Validate(NotBeyondCallContentRetention)
  EVENTS_RETENTION_DAYS: number = 30;

  /**
   * Calls' conversations (summary, transcript, recording link: personal data) are kept this many days after the
   * call, then deleted by the worker's housekeeping, with the events that still carry them redacted (PIPL: kept
   * no longer than needed). Results and counts stay.
   */
  @IsInt()
  @Min(1)
  @Max(3650)
  CALL_CONTENT_RETENTION_DAYS: number = 180;

  /**
   * Hosts a webhook URL may point at, comma-separated (the receivers are the platform's own services): an exact
   * host name, or `*.example.com` for its subdomains. Empty: no webhook can be registered.
   */
  @Transform(({ value }) => (value === undefined || value === null ? '127.0.0.1,localhost' : String(value)))
  @IsString()
  WEBHOOK_ALLOWED_HOSTS: string = '127.0.0.1,localhost';

  /** How long one delivery attempt may take. */
  @IsInt()
  @Min(100)
  @Max(60_000)
  WEBHOOK_TIMEOUT_MS: number = 10_000;

  /** How long a delivery is retried (exponential backoff with jitter) before it is marked failed for its endpoint. */
  @IsInt()
  @Min(1)
  @Max(24 * 30)
  WEBHOOK_RETRY_HOURS: number = 24;

  /**
   * The first retry's delay bound: attempt n waits a random time between 0 and min(1 h, this × 2^(n-1)) (full
   * jitter, so endpoints coming back are not hit by every worker at once).
   */
  @IsInt()
  @Min(1)
  @Max(60_000)
  WEBHOOK_RETRY_BASE_MS: number = 1_000;

  /** An endpoint failing without a single success for this long is disabled (and `webhook.disabled` written). */
  @IsInt()
  @Min(1)
  @Max(24 * 30)
  WEBHOOK_DISABLE_AFTER_HOURS: number = 24;

  /**
   * After a secret's rotation, how long every delivery is signed with the previous secret as well as the new one:
   * the time the platform has to switch its receivers over without a delivery failing verification.
   */
  @IsInt()
  @Min(1)
  @Max(24 * 30)
  WEBHOOK_SECRET_OVERLAP_HOURS: number = 24;

  /** How often the worker's relay looks for events to position and deliveries to make. */
  @IsInt()
  @Min(10)
  @Max(60_000)
  EVENTS_RELAY_INTERVAL_MS: number = 200;
}

export interface EventsSettings {
  retentionDays: number;
  /** CALL_CONTENT_RETENTION_DAYS: conversations' lifetime (the task lib's purge reads it here, beside the events'). */
  callContentRetentionDays: number;
  allowedHosts: string[];
  webhookTimeoutMs: number;
  webhookRetryHours: number;
  webhookRetryBaseMs: number;
  webhookDisableAfterHours: number;
  secretOverlapHours: number;
  relayIntervalMs: number;
}

/** The events lib's configuration; `EventsModule` reads it (the app loads this namespace). */
export const eventsConfig = envNamespace('events', EventsEnv, (env): EventsSettings => ({
  retentionDays: env.EVENTS_RETENTION_DAYS,
  callContentRetentionDays: env.CALL_CONTENT_RETENTION_DAYS,
  allowedHosts: env.WEBHOOK_ALLOWED_HOSTS.split(',')
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean),
  webhookTimeoutMs: env.WEBHOOK_TIMEOUT_MS,
  webhookRetryHours: env.WEBHOOK_RETRY_HOURS,
  webhookRetryBaseMs: env.WEBHOOK_RETRY_BASE_MS,
  webhookDisableAfterHours: env.WEBHOOK_DISABLE_AFTER_HOURS,
  secretOverlapHours: env.WEBHOOK_SECRET_OVERLAP_HOURS,
  relayIntervalMs: env.EVENTS_RELAY_INTERVAL_MS,
}));
