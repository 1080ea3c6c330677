import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { RECORD_ID_LENGTH } from '../domain/wire-fit';
import { CallOutcomeColumns } from './call-outcome.columns';

/** Every call the platform reported, stored once by its remote `record_id` (the idempotency key of ingest). */
@Entity({ name: 'ai_visitor_call_record' })
@Index('uq_call_record_remote', ['recordId'], { unique: true })
@Index('idx_call_record_contact', ['contactId'])
export class CallRecordEntity extends CallOutcomeColumns {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  /**
   * The platform's id, compared byte for byte (`rec_A1` and `rec_a1` are two records): on MySQL/MariaDB a binary
   * no-pad collation, set per server by migration RecordIdBytes; SQLite compares text by bytes already.
   */
  @Column({ name: 'record_id', type: 'varchar', length: RECORD_ID_LENGTH })
  recordId: string;

  @Column({ name: 'task_id', type: 'bigint' })
  taskId: string;

  @Column({ name: 'call_task_id', type: 'bigint' })
  callTaskId: string;

  @Column({ name: 'contact_id', type: 'bigint' })
  contactId: string;

  @Column({ name: 'called_at', type: 'datetime', precision: 3 })
  calledAt: Date;

  @CreateDateColumn({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;
}
