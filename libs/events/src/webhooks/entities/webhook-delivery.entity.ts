import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** Where a delivery stands. */
export enum DeliveryStatus {
  Pending = 0,
  Delivered = 1,
  /** Given up after WEBHOOK_RETRY_HOURS of failures; it no longer holds the task's later events. */
  Failed = 2,
}

/** One event to one endpoint (`ai_visitor_webhook_delivery`, migrations EventOutbox and WebhookDeliveryAttempts). */
@Entity({ name: 'ai_visitor_webhook_delivery' })
@Index('uq_delivery_event', ['webhookId', 'eventPk'], { unique: true })
@Index('idx_delivery_due', ['status', 'nextAttemptAt'])
@Index('idx_delivery_task_order', ['webhookId', 'taskId', 'status', 'sequence'])
export class WebhookDeliveryEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ name: 'webhook_id', type: 'bigint' })
  webhookId: string;

  /** The event's row (`ai_visitor_event.id`). */
  @Column({ name: 'event_pk', type: 'bigint' })
  eventPk: string;

  /** The event's task and per-task sequence, copied so the order check reads this table alone. */
  @Column({ name: 'task_id', type: 'bigint', nullable: true })
  taskId: string | null;

  @Column({ type: 'int', nullable: true })
  sequence: number | null;

  @Column({ type: 'tinyint', default: 0 })
  status: DeliveryStatus;

  @Column({ type: 'int', default: 0 })
  attempts: number;

  @Column({ name: 'next_attempt_at', type: 'datetime', precision: 3 })
  nextAttemptAt: Date;

  @Column({ name: 'first_attempt_at', type: 'datetime', precision: 3, nullable: true })
  firstAttemptAt: Date | null;

  @Column({ name: 'lease_owner', type: 'varchar', length: 64, nullable: true })
  leaseOwner: string | null;

  /** Database time: a worker that died mid-delivery holds it no longer than this. */
  @Column({ name: 'lease_until', type: 'datetime', precision: 3, nullable: true })
  leaseUntil: Date | null;

  /** The last answer's HTTP status (null: no answer). */
  @Column({ name: 'last_status', type: 'int', nullable: true })
  lastStatus: number | null;

  @Column({ name: 'last_error', type: 'varchar', length: 255, nullable: true })
  lastError: string | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;

  @Column({ name: 'delivered_at', type: 'datetime', precision: 3, nullable: true })
  deliveredAt: Date | null;
}
