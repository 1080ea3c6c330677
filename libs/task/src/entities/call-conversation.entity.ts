import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * What the candidate said on one stored call (migration CallConversation): the platform's summary, transcript and
 * recording link sealed together with the phone vault's keys (`conversation_*`, migration ConversationSealedTogether:
 * ciphertext and key id), or, for rows stored before it, each field sealed on its own (both null when not given).
 * Keyed by its call record's id; task, contact and call time copied from the record for erasure and retention.
 * Written and read by CallConversationRepository alone, in raw SQL (the transcript is MEDIUMTEXT on MySQL/MariaDB: the
 * migration is the schema; `text` here is the type both drivers accept).
 */
@Entity({ name: 'call_conversation' })
@Index('idx_call_conversation_contact', ['contactId'])
@Index('idx_call_conversation_called_at', ['calledAt', 'contactId'])
export class CallConversationEntity {
  @PrimaryColumn({ name: 'call_record_id', type: 'bigint' })
  callRecordId: string;

  @Column({ name: 'task_id', type: 'bigint' })
  taskId: string;

  @Column({ name: 'contact_id', type: 'bigint' })
  contactId: string;

  @Column({ name: 'called_at', type: 'datetime', precision: 3 })
  calledAt: Date;

  @Column({ name: 'summary_enc', type: 'text', nullable: true })
  summaryEnc: string | null;

  @Column({ name: 'summary_key_id', type: 'varchar', length: 16, nullable: true })
  summaryKeyId: string | null;

  @Column({ name: 'transcript_enc', type: 'text', nullable: true })
  transcriptEnc: string | null;

  @Column({ name: 'transcript_key_id', type: 'varchar', length: 16, nullable: true })
  transcriptKeyId: string | null;

  @Column({ name: 'recording_url_enc', type: 'text', nullable: true })
  recordingUrlEnc: string | null;

  @Column({ name: 'recording_url_key_id', type: 'varchar', length: 16, nullable: true })
  recordingUrlKeyId: string | null;

  @Column({ name: 'conversation_enc', type: 'text', nullable: true })
  conversationEnc: string | null;

  @Column({ name: 'conversation_key_id', type: 'varchar', length: 16, nullable: true })
  conversationKeyId: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;
}
