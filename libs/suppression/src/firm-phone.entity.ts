import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/**
 * A firm's record of one number, across all its tasks: when it was last called (the cooling period), whether
 * it may never be called again (do-not-call) and whether it proved to be a wrong number.
 */
@Entity({ name: 'ai_visitor_firm_phone' })
export class FirmPhoneEntity {
  @PrimaryColumn({ name: 'firm_id', type: 'bigint' })
  firmId: string;

  /** E.164. */
  @PrimaryColumn({ type: 'varchar', length: 20 })
  phone: string;

  @Column({ name: 'last_called_at', type: 'datetime', precision: 3, nullable: true })
  lastCalledAt: Date | null;

  @Column({ name: 'last_task_id', type: 'bigint', nullable: true })
  lastTaskId: string | null;

  @Column({ name: 'do_not_call', type: 'tinyint', default: 0 })
  doNotCall: number;

  @Column({ name: 'dnc_reason', type: 'varchar', length: 32, nullable: true })
  dncReason: string | null;

  @Column({ name: 'dnc_at', type: 'datetime', precision: 3, nullable: true })
  dncAt: Date | null;

  @Column({ type: 'tinyint', default: 0 })
  invalid: number;

  @CreateDateColumn({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt: Date;
}
