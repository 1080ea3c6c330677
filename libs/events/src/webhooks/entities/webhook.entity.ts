import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** An endpoint events are POSTed to (`ai_visitor_webhook`, migration EventOutbox). */
@Entity({ name: 'ai_visitor_webhook' })
export class WebhookEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  /** The firm whose events it receives; null: every firm's (the platform's own all-firms endpoint). */
  @Index('idx_webhook_firm')
  @Column({ name: 'firm_id', type: 'bigint', nullable: true })
  firmId: string | null;

  @Column({ type: 'varchar', length: 2048 })
  url: string;

  /** Comma-separated event types; null: every type. */
  @Column({ name: 'event_types', type: 'varchar', length: 1000, nullable: true })
  eventTypes: string | null;

  /** The signing secret, sealed with the phone vault's keys (re-sealed by `npm run phones:rekey`). */
  @Column({ name: 'secret_enc', type: 'varchar', length: 255 })
  secretEnc: string;

  @Column({ name: 'secret_key_id', type: 'varchar', length: 32 })
  secretKeyId: string;

  /**
   * The secret a rotation replaced, sealed like the current one (migration WebhookSecretRotation); deliveries are
   * signed with it too until `previousSecretExpiresAt`. Null: never rotated.
   */
  @Column({ name: 'previous_secret_enc', type: 'varchar', length: 255, nullable: true })
  previousSecretEnc: string | null;

  @Column({ name: 'previous_secret_key_id', type: 'varchar', length: 32, nullable: true })
  previousSecretKeyId: string | null;

  /** The end of the rotation's overlap (WEBHOOK_SECRET_OVERLAP_HOURS after it). */
  @Column({ name: 'previous_secret_expires_at', type: 'datetime', precision: 3, nullable: true })
  previousSecretExpiresAt: Date | null;

  /** 1: the endpoint receives full phone numbers (opened at delivery), 0: masked. */
  @Column({ name: 'full_phones', type: 'tinyint', default: 0 })
  fullPhones: number;

  @Column({ type: 'tinyint', default: 1 })
  enabled: number;

  @Column({ name: 'disabled_reason', type: 'varchar', length: 255, nullable: true })
  disabledReason: string | null;

  /** Since when every attempt failed (null after any success). */
  @Column({ name: 'failing_since', type: 'datetime', precision: 3, nullable: true })
  failingSince: Date | null;

  @Column({ name: 'last_success_at', type: 'datetime', precision: 3, nullable: true })
  lastSuccessAt: Date | null;

  @Column({ name: 'last_failure_at', type: 'datetime', precision: 3, nullable: true })
  lastFailureAt: Date | null;

  @Column({ name: 'last_error', type: 'varchar', length: 255, nullable: true })
  lastError: string | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt: Date;
}
