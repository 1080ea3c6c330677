import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** A firm's BOT entitlement, granted by operations. `bot_task_used` counts the tasks holding a quota slot. */
@Entity({ name: 'ai_visitor_firm_bot' })
export class FirmBotEntity {
  @PrimaryColumn({ name: 'firm_id', type: 'bigint' })
  firmId: string;

  @Column({ name: 'is_open_bot', type: 'tinyint' })
  isOpenBot: number;

  /** NULL: never granted. */
  @Column({ name: 'bot_expire_at', type: 'datetime', precision: 3, nullable: true })
  botExpireAt: Date | null;

  @Column({ name: 'bot_task_num', type: 'int' })
  botTaskNum: number;

  @Column({ name: 'bot_task_used', type: 'int' })
  botTaskUsed: number;

  /** The expiry date the sent notices (`expiry_notices`) were about: a grant with another expiry starts afresh. */
  @Column({ name: 'expiry_notice_for', type: 'datetime', precision: 3, nullable: true })
  expiryNoticeFor: Date | null;

  /** Which expiry notices went out for `expiry_notice_for`: a bit each (domain/expiry-notices). */
  @Column({ name: 'expiry_notices', type: 'tinyint', default: 0 })
  expiryNotices: number;

  @CreateDateColumn({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt: Date;
}
