import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** The outbox (`ai_visitor_event`, migration EventOutbox): one row per event, written with its change. */
@Entity({ name: 'ai_visitor_event' })
export class EventEntity {
  /** The public, stable id is `evt_<id>` (eventIdOf): receivers deduplicate on it. */
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ type: 'varchar', length: 40 })
  type: string;

  @Column({ name: 'firm_id', type: 'bigint', nullable: true })
  firmId: string | null;

  @Column({ name: 'task_id', type: 'bigint', nullable: true })
  taskId: string | null;

  @Column({ type: 'int', nullable: true })
  sequence: number | null;

  /** The feed's order, assigned after commit by the sequencer; null until then (not in the feed yet). */
  @Column({ type: 'bigint', nullable: true })
  position: string | null;

  /** JSON. */
  @Column({ type: 'text' })
  data: string;

  /** The contact whose personal data the event carries (`contact.called`, `candidate.interested`); null for the others. */
  @Column({ name: 'contact_id', type: 'bigint', nullable: true })
  contactId: string | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;

  /** The W3C trace context of the span that wrote it (tracing on): its deliveries continue that trace. Else null. */
  @Column({ type: 'varchar', length: 55, nullable: true })
  traceparent: string | null;
}
