import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '@app/core';
import { TransactionRunner } from '@app/database';
import { EventRedaction, eventsConfig, EventsSettings } from '@app/events';
import { CONTACT_EVENT_TYPES, withoutConversation } from '../domain/erasure';
import { CallConversationRepository } from '../repositories/call-conversation.repository';
import { CallRecordRepository } from '../repositories/call-record.repository';

/** Conversations deleted per transaction: short transactions, whatever the backlog. */
const BATCH = 5000;
/**
 * After each batch the purge waits this share of the time the batch took: it runs beside the sync's ingest (the
 * same worker, the same database), which must keep most of its rate (bench: ≥ 0.8× of its rate alone).
 */
const YIELD = 0.25;
const DAY_MS = 24 * 3600_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface PurgeExpiredConversationsCommand {
  /** Conversations deleted per transaction (5,000 by default). */
  batch?: number;
  /** The pause after each batch, as a share of the time the batch took (0.25 by default; 0: none). */
  yieldShare?: number;
}

export interface ConversationPurgeSummary {
  /** Conversations deleted. */
  conversations: number;
  /** Events that still carried one of them, redacted in place (their conversation fields null). */
  events: number;
}

/**
 * The conversations' retention (PIPL: kept no longer than needed): deletes what candidates said on calls made more
 * than CALL_CONTENT_RETENTION_DAYS ago (summary, transcript, recording link), oldest first, a batch per
 * transaction (pausing a quarter of each batch's time after it, for the ingest beside it), and redacts in place the events that still carry them (`recordingUrl`, `transcript`, `summary` null;
 * the rest, sequence and position kept). The calls' results, the contacts and every count stay. Events are kept
 * at most as long (EVENTS_RETENTION_DAYS ≤ CALL_CONTENT_RETENTION_DAYS, checked at start-up), so an event still
 * carrying an expired conversation is one whose record arrived late. For the worker's events housekeeping (its
 * hourly cron); several workers may run it at once (a row deleted twice is not).
 */
@Injectable()
export class PurgeExpiredConversations {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly clock: Clock,
    private readonly conversations: CallConversationRepository,
    private readonly records: CallRecordRepository,
    private readonly redaction: EventRedaction,
    @Inject(eventsConfig.KEY) private readonly settings: EventsSettings,
  ) {}

  async execute({
    batch = BATCH,
    yieldShare = YIELD,
  }: PurgeExpiredConversationsCommand = {}): Promise<ConversationPurgeSummary> {
    const before = new Date(this.clock.now().getTime() - this.settings.callContentRetentionDays * DAY_MS);
    const summary: ConversationPurgeSummary = { conversations: 0, events: 0 };
    for (;;) {
      const started = performance.now();
      const round = await this.tx.run(async (manager) => {
        const expired = await this.conversations.expired(manager, before, batch);
        if (expired.length === 0) return { conversations: 0, events: 0 };
        await this.conversations.deleteByRecordIds(
          manager,
          expired.map((c) => c.callRecordId),
        );
        // The events of these contacts (most are gone: events are kept no longer than conversations); the platform's
        // record ids are read only for the contacts that still have some, to tell the purged calls' events apart.
        let purged = new Set<string>();
        const events = await this.redaction.rewriteContactEvents(
          manager,
          expired.map((c) => c.contactId),
          (event) =>
            CONTACT_EVENT_TYPES.includes(event.type) && purged.has(String(event.data.recordId))
              ? withoutConversation(event.data)
              : null,
          async (found) => {
            const contacts = new Set(found.map((e) => e.contactId));
            const ids = expired.filter((c) => contacts.has(c.contactId)).map((c) => c.callRecordId);
            purged = new Set(await this.records.remoteIds(manager, ids));
          },
        );
        return { conversations: expired.length, events };
      });
      summary.conversations += round.conversations;
      summary.events += round.events;
      if (round.conversations < batch) return summary;
      if (yieldShare > 0) await sleep((performance.now() - started) * yieldShare);
    }
  }
}
