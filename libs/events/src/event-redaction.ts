import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { EventRepository } from './event.repository';

/** An event carrying a contact's personal data, as a redaction sees it. */
export interface ContactEvent {
  type: string;
  contactId: string;
  data: Record<string, unknown>;
}

/** Contacts per statement when reading their events. */
const CHUNK = 500;

/**
 * Rewrites, in place, the events that carry contacts' personal data (`contact.called`, `candidate.interested`),
 * in the caller's transaction: a candidate's erasure and the conversations' retention purge. The event keeps its
 * id, type, `sequence` and `position` (a task's sequence stays gapless, the feed's cursors stay valid); only its
 * `data` changes, so a webhook delivery still pending goes out as rewritten (the relay reads the event when it
 * sends). What a receiver already got cannot be recalled.
 */
@Injectable()
export class EventRedaction {
  constructor(private readonly events: EventRepository) {}

  /**
   * Holds the sequencer off until the caller's transaction ends (the `feed` cursor's row, locked): a batch rendered
   * meanwhile would read the contacts as they were before the caller's change. Take it before reading the events
   * to rewrite; the sequencer then renders after the commit, from the contacts as changed.
   */
  async holdSequencing(manager: EntityManager): Promise<void> {
    await this.events.lockFeedCursor(manager, true);
  }

  /**
   * Reads these contacts' events (locked for update) and writes back those `rewrite` changes (it answers the
   * new payload, or null to leave the event as it is). `prepare`, when given, sees each chunk's events first (to
   * read what the rewrite needs about them alone). Returns how many were rewritten.
   */
  async rewriteContactEvents(
    manager: EntityManager,
    contactIds: readonly string[],
    rewrite: (event: ContactEvent) => Record<string, unknown> | null,
    prepare?: (events: readonly ContactEvent[]) => Promise<void>,
  ): Promise<number> {
    let rewritten = 0;
    const ids = [...new Set(contactIds)];
    for (let i = 0; i < ids.length; i += CHUNK) {
      const rows = await this.events.eventsOfContacts(manager, ids.slice(i, i + CHUNK));
      if (rows.length === 0) continue;
      const events = rows.map((row) => ({
        id: Number(row.id),
        event: {
          type: row.type,
          contactId: String(row.contact_id),
          data: JSON.parse(row.data) as Record<string, unknown>,
        },
      }));
      if (prepare) await prepare(events.map((e) => e.event));
      const changed: [number, string][] = [];
      for (const { id, event } of events) {
        const next = rewrite(event);
        if (next !== null) changed.push([id, JSON.stringify(next)]);
      }
      await this.events.rewriteData(manager, changed);
      rewritten += changed.length;
    }
    return rewritten;
  }
}
