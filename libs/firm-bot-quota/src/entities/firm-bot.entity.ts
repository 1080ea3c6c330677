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

  @CreateDateColumn({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt: Date;
}
