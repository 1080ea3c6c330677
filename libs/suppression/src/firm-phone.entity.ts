import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/**
 * A firm's record of one number, across all its tasks: when it was last called (the cooling period), whether
 * it may never be called again (do-not-call) and whether it proved to be a wrong number.
 */
@Entity({ name: 'ai_visitor_firm_phone' })
export class FirmPhoneEntity {
  @PrimaryColumn({ name: 'firm_id', type: 'bigint' })
  firmId: string;

  /** Keyed hash of the E.164 number (PhoneVault): what every look-up matches on. */
  @PrimaryColumn({ name: 'phone_hash', type: 'varchar', length: 64 })
  phoneHash: string;

  /** The number itself, AES-256-GCM under key `phoneKeyId`: read only to show the do-not-call list (masked). */
  @Column({ name: 'phone_enc', type: 'varchar', length: 96 })
  phoneEnc: string;

  @Column({ name: 'phone_key_id', type: 'varchar', length: 16 })
  phoneKeyId: string;

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
