import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { isErasedSealed, maskPhone } from '@app/core';
import { parseDbDate } from '@app/database';
import { EventBatchRenderer, NewEvent, StoredEventBatch } from '@app/events';
import { CallRecordRepository, CalledRow } from '../repositories/call-record.repository';
import { ContactPhones } from '../repositories/contact-phones';
import { CallConversationRepository, Conversation } from '../repositories/call-conversation.repository';
import { Intention } from '../domain/statuses';
import { erasedEventData } from '../domain/erasure';

/** The kind of the event batch a page of results writes (EventOutbox.appendBatch; one of EVENT_BATCH_KINDS). */
export const CALLED_BATCH_KIND = 'records';

/** What the platform said of the conversation: stored beside the record (sealed), and carried by the event. */
export type { Conversation };

/**
 * One stored call result in a page's event batch: only what the database does not hold once the page commits.
 * The attempt is the contact's at the time; the sequence is the `contact.called` one (a `candidate.interested`
 * beside it takes the next). The conversation is no longer written here (it is stored, sealed, in
 * `call_conversation` and read from there when the batch is rendered); batches written before that still carry it,
 * and it is used when the table has none.
 */
export type CalledEntry = [recordId: string, attempt: number, sequence: number, conversation?: Conversation];

/** How many events a stored result announces: `contact.called`, and `candidate.interested` when interested. */
export function eventsPerCall(intention: Intention): number {
  return intention === Intention.Interested ? 2 : 1;
}

/**
 * Renders a page's event batch into one `contact.called` per stored result and a `candidate.interested` beside
 * each interested one (a type of its own, so a platform can subscribe to the leads alone), from the stored call
 * records and their contacts. Called by the events sequencer after the page committed: the page paid one small
 * outbox row, not an event row each. The events lib's renderer of `records` batches: the apps give it to the
 * module that hosts the sequencer (EventFeedModule, WebhookRelayModule), so the events lib depends on no domain lib.
 */
@Injectable()
export class ContactCalledEvents implements EventBatchRenderer {
  private readonly logger = new Logger(ContactCalledEvents.name);

  constructor(
    private readonly records: CallRecordRepository,
    private readonly phones: ContactPhones,
    private readonly conversations: CallConversationRepository,
  ) {}

  async render(manager: EntityManager, batches: readonly StoredEventBatch[]): Promise<NewEvent[][]> {
    const entries = batches.map((b) => b.entries as CalledEntry[]);
    const ids = [...new Set(entries.flat().map(([recordId]) => recordId))];
    const rows = new Map((await this.records.calledWithContacts(manager, ids)).map((r) => [r.record_id, r]));
    return batches.map((batch, i) =>
      entries[i].flatMap(([recordId, attempt, sequence, conversation]): NewEvent[] => {
        const row = rows.get(recordId);
        const common = { firmId: batch.firmId, taskId: batch.taskId };
        if (!row) {
          // Written in the same transaction as its record, and records are never deleted: should not happen.
          this.logger.error(
            `task ${batch.taskId}: the call record of event sequence ${sequence} is missing; its event carries what the batch held`,
          );
          return [
            {
              type: 'contact.called',
              ...common,
              sequence,
              data: { taskId: batch.taskId, recordId, attempt, ...conversationOf(conversation) },
            },
          ];
        }
        const data = this.calledData(row, attempt, conversation);
        const contactId = String(row.contact_id);
        const events: NewEvent[] = [{ type: 'contact.called', ...common, sequence, contactId, data }];
        if (row.intension_result === Intention.Interested)
          events.push({ type: 'candidate.interested', ...common, sequence: sequence + 1, contactId, data });
        return events;
      }),
    );
  }

  /**
   * The payload of `contact.called` (docs/events.md); phone masked; the conversation as stored (a batch written before
   * conversations were stored carries its own). A contact erased since the page committed (a candidate's erasure,
   * which serialises with this rendering on the feed cursor) gets the erased payload: its personal fields null, no
   * conversation, `erased: true`.
   */
  private calledData(row: CalledRow, attempt: number, batched: Conversation | undefined): Record<string, unknown> {
    const erased = isErasedSealed({ keyId: row.phone_key_id });
    const stored = row.conversation_key_id || row.summary_key_id || row.transcript_key_id || row.recording_url_key_id;
    const conversation = erased ? undefined : stored ? this.conversations.openSealed(row) : batched;
    const data = {
      taskId: String(row.task_id),
      contactId: String(row.contact_id),
      candidateRef: row.candidate_ref,
      name: row.name,
      phone: erased
        ? null
        : (row.phone_masked ?? maskPhone(this.phones.open({ phoneEnc: row.phone_enc, phoneKeyId: row.phone_key_id }))),
      attempt,
      recordId: row.record_id,
      callResult: Number(row.call_result),
      intention: Number(row.intension_result),
      failReason: row.fail_reason,
      durationSec: Number(row.duration_sec),
      calledAt: parseDbDate(row.called_at).toISOString(),
      ...conversationOf(conversation),
    };
    return erased ? (erasedEventData(data) ?? data) : data;
  }
}

/** What the platform said of a call's conversation, or undefined when it said nothing (the batch entry then omits it). */
export function conversationFrom(said: Partial<Record<keyof Conversation, string | null>>): Conversation | undefined {
  return said.recordingUrl || said.transcript || said.summary ? conversationOf(said) : undefined;
}

/** The three fields of a payload: each null when the platform did not give it. */
function conversationOf(said: Partial<Record<keyof Conversation, string | null>> | undefined): Conversation {
  return {
    recordingUrl: said?.recordingUrl ?? null,
    transcript: said?.transcript ?? null,
    summary: said?.summary ?? null,
  };
}
