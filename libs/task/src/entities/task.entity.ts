import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { TaskStatus } from '../domain/statuses';

/** An outreach task of one recruiter account (`ai_visitor_task`). */
@Entity({ name: 'ai_visitor_task' })
@Index('idx_task_account', ['firmId', 'accountId', 'id'])
@Index('idx_task_status', ['status', 'id'])
@Index('idx_task_scheduled', ['status', 'startAt'])
export class TaskEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ name: 'firm_id', type: 'bigint' })
  firmId: string;

  @Column({ name: 'account_id', type: 'bigint' })
  accountId: string;

  @Column({ type: 'varchar', length: 100 })
  name: string;

  @Column({ name: 'script_id', type: 'varchar', length: 64 })
  scriptId: string;

  @Column({ type: 'tinyint' })
  status: TaskStatus;

  @Column({ name: 'pause_reason', type: 'varchar', length: 32, nullable: true })
  pauseReason: string | null;

  /** Contacts per remote campaign. */
  @Column({ name: 'batch_size', type: 'int' })
  batchSize: number;

  /** Calls a contact may get in all, the first included. */
  @Column({ name: 'max_attempts', type: 'tinyint' })
  maxAttempts: number;

  @Column({ name: 'retry_gap_minutes', type: 'int' })
  retryGapMinutes: number;

  /** The call window: daily 'HH:MM' range in `windowTz`, on ISO weekdays `windowDays` ('1,2,…,7'). */
  @Column({ name: 'window_start', type: 'varchar', length: 5, default: '09:00' })
  windowStart: string;

  @Column({ name: 'window_end', type: 'varchar', length: 5, default: '20:00' })
  windowEnd: string;

  @Column({ name: 'window_days', type: 'varchar', length: 13, default: '1,2,3,4,5,6,7' })
  windowDays: string;

  @Column({ name: 'window_tz', type: 'varchar', length: 40, default: 'Asia/Shanghai' })
  windowTz: string;

  /** The platform's last refusal or failure message while starting, for the recruiter; cleared once running. */
  @Column({ name: 'last_error', type: 'varchar', length: 255, nullable: true })
  lastError: string | null;

  /** Set by the first successful start; a task never started gives its quota slot back when cancelled. */
  @Column({ name: 'started_at', type: 'datetime', precision: 3, nullable: true })
  startedAt: Date | null;

  /**
   * When a task not started is to start (`POST /start { at }`, or `startAt` on create); NULL: not scheduled. A task
   * the schedule started keeps it (the time it was scheduled for); a plain start of a scheduled task clears it.
   */
  @Column({ name: 'start_at', type: 'datetime', precision: 3, nullable: true })
  startAt: Date | null;

  /** The task this one was made from by a follow-up (`POST /tasks/:id/follow-up`); NULL otherwise. */
  @Column({ name: 'source_task_id', type: 'bigint', nullable: true })
  sourceTaskId: string | null;

  @Column({ name: 'finished_at', type: 'datetime', precision: 3, nullable: true })
  finishedAt: Date | null;

  /** The worker holding this task's sync lease, until when (database time), and the fencing epoch. */
  @Column({ name: 'lease_owner', type: 'varchar', length: 64, nullable: true })
  leaseOwner: string | null;

  @Column({ name: 'lease_until', type: 'datetime', precision: 3, nullable: true })
  leaseUntil: Date | null;

  @Column({ name: 'lease_epoch', type: 'bigint', default: 0 })
  leaseEpoch: string;

  /**
   * Nothing for the sync to do before then (no campaign, every contact waiting for a retry gap or a callback):
   * the pass's claim passes the task over until this instant (service clock). Cleared by any status move and any
   * contact added. NULL: due now.
   */
  @Column({ name: 'sync_after', type: 'datetime', precision: 3, nullable: true })
  syncAfter: Date | null;

  /**
   * The last event sequence number the task gave out (its events' `sequence`). Read only through the entity:
   * sequences are given out by TaskRepository under the task's lock, never written back from a loaded row.
   */
  @Column({ name: 'event_seq', type: 'int', unsigned: true, default: 0, insert: false, update: false })
  eventSeq: number;

  @CreateDateColumn({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt: Date;
}
