import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { ContactStatus } from '../domain/statuses';
import { RECORD_ID_LENGTH } from '../domain/wire-fit';
import { CallOutcomeColumns } from './call-outcome.columns';

/** One candidate contact of a task (`ai_visitor_list`); holds the latest call's result. */
@Entity({ name: 'ai_visitor_list' })
@Index('uq_list_task_phone', ['taskId', 'phoneHash'], { unique: true })
@Index('idx_list_waiting', ['taskId', 'status', 'nextAttemptAt', 'id'])
@Index('idx_list_call_task_status', ['callTaskId', 'status'])
export class ContactEntity extends CallOutcomeColumns {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ name: 'task_id', type: 'bigint' })
  taskId: string;

  @Column({ name: 'candidate_ref', type: 'varchar', length: 64, nullable: true })
  candidateRef: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  name: string | null;

  /**
   * The number is personal data and never stored in clear (see PhoneVault): the keyed hash of its E.164 form
   * finds duplicates, the AES-256-GCM ciphertext and its key id give it back, to the robot-call platform and
   * the export in full and to everyone else masked. Only ContactRepository seals and opens it.
   */
  @Column({ name: 'phone_hash', type: 'varchar', length: 64 })
  phoneHash: string;

  @Column({ name: 'phone_enc', type: 'varchar', length: 96 })
  phoneEnc: string;

  @Column({ name: 'phone_key_id', type: 'varchar', length: 16 })
  phoneKeyId: string;

  /** The number masked (`+86138****1234`), as events show it; null for contacts stored before it was kept. */
  @Column({ name: 'phone_masked', type: 'varchar', length: 24, nullable: true })
  phoneMasked: string | null;

  @Column({ type: 'tinyint' })
  status: ContactStatus;

  @Column({ name: 'skip_reason', type: 'varchar', length: 16, nullable: true })
  skipReason: string | null;

  @Column({ name: 'call_task_id', type: 'bigint', nullable: true })
  callTaskId: string | null;

  @Column({ type: 'tinyint' })
  attempts: number;

  @Column({ name: 'called_at', type: 'datetime', precision: 3, nullable: true })
  calledAt: Date | null;

  /** The latest call's record id, compared byte for byte as the call record's (migration RecordIdBytes). */
  @Column({ name: 'record_id', type: 'varchar', length: RECORD_ID_LENGTH, nullable: true })
  recordId: string | null;

  @Column({ name: 'synced_at', type: 'datetime', precision: 3, nullable: true })
  syncedAt: Date | null;

  /** "Inconvenient now" callbacks scheduled so far (one is allowed). */
  @Column({ name: 'callback_count', type: 'tinyint', default: 0 })
  callbackCount: number;

  /**
   * Withdrawn by the recruiter while a campaign held it (the platform cannot take it out): the intent, recorded
   * under the task's lock; the sync withdraws it (skipped `withdrawn`) once that campaign is done with it.
   */
  @Column({ name: 'withdraw_pending', type: 'tinyint', default: 0 })
  withdrawPending: number;

  /** A requeued contact joins no campaign before this moment. */
  @Column({ name: 'next_attempt_at', type: 'datetime', precision: 3, nullable: true })
  nextAttemptAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt: Date;
}
