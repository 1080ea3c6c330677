import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { CallTaskStatus } from '../domain/statuses';
import { DETAIL_CURSOR_LENGTH } from '../domain/wire-fit';

/**
 * One remote campaign created for a task (`ai_visitor_call_task`). The row is written with its `request_id`
 * before the remote call, so a crash or a lost reply is recovered by asking again with the same id.
 * The table also has `active_task_id`, a generated column behind the one-active-campaign rule; it is
 * maintained by the database and deliberately not mapped here.
 */
@Entity({ name: 'ai_visitor_call_task' })
@Index('uq_call_task_request', ['requestId'], { unique: true })
@Index('uq_call_task_batch', ['taskId', 'batchNo'], { unique: true })
@Index('idx_call_task_status', ['status', 'taskId'])
export class CallTaskEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ name: 'task_id', type: 'bigint' })
  taskId: string;

  @Column({ name: 'batch_no', type: 'int' })
  batchNo: number;

  @Column({ name: 'request_id', type: 'varchar', length: 64 })
  requestId: string;

  /** NULL until the platform's answer to `campaign_add` is recorded. */
  @Column({ name: 'campaign_id', type: 'varchar', length: 64, nullable: true })
  campaignId: string | null;

  @Column({ type: 'tinyint' })
  status: CallTaskStatus;

  @Column({ name: 'contact_count', type: 'int' })
  contactCount: number;

  /** Where the next `campaign_detail` read resumes: records before it are stored. */
  @Column({ name: 'detail_cursor', type: 'varchar', length: DETAIL_CURSOR_LENGTH, nullable: true })
  detailCursor: string | null;

  /** Times the platform refused to create or start this campaign; bounded (the task pauses at the limit). */
  @Column({ type: 'int', default: 0 })
  refusals: number;

  @CreateDateColumn({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt: Date;

  @Column({ name: 'finished_at', type: 'datetime', precision: 3, nullable: true })
  finishedAt: Date | null;
}
