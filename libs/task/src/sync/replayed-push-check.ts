import { Injectable } from '@nestjs/common';
import { Clock } from '@app/core';
import { TransactionRunner } from '@app/database';
import { RemoteCallRecord } from '@app/campaign-gateway';
import { CallRecordRepository } from '../repositories/call-record.repository';
import { CallConversationRepository } from '../repositories/call-conversation.repository';
import { fitRecords } from '../domain/wire-fit';

/** What the replay check found of one push. */
export interface PushInspection {
  /** Every record of the push is stored and nothing it carries would be stored or counted again. */
  replay: boolean;
  /**
   * The record ids (as stored) of the push found not stored, which the ingest then need not read again under the
   * lock (IngestOptions.presumedFresh).
   */
  notStored: ReadonlySet<string>;
}

/**
 * The replay fast path of the callback: a push whose every record is stored already (pushed before, or read by
 * polling) would change nothing under the task's lock, so it is answered from an indexed read, before any lock
 * or transaction: no write, no lock. The pushes a push transaction is about to take are inspected together, by
 * one read of all their record ids (IngestPushedRecords: one statement for the pushes that arrived while the last
 * transaction ran, not one a push); a replay is answered then, and waits no longer than any push for its turn.
 *
 * "Stored" is what RecordIngestor means by it: a call record row under the record's stored id. That row is written
 * in the same transaction that moves its contact on, so a record found here has had its effect (a row not yet
 * committed is not seen on MySQL/MariaDB, and the push then takes the full path; the embedded SQLite has one
 * connection, which sees another push's transaction in progress: should that one then fail, the record is still
 * read by the sync, whose cursor pushes never move). Anything else takes the full path, which decides
 * as before: a record not stored; a value that needs fitting (cut, hashed, rejected: the ingest counts and logs
 * those each time received); or a conversation field the push carries that the stored conversation lacks (the
 * ingest fills it).
 */
@Injectable()
export class ReplayedPushCheck {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly records: CallRecordRepository,
    private readonly conversations: CallConversationRepository,
    private readonly clock: Clock,
  ) {}

  /** Each push's inspection, in order, from one read of all their record ids (none when no push has a record). */
  async inspectMany(pushes: readonly (readonly RemoteCallRecord[])[]): Promise<PushInspection[]> {
    const now = this.clock.now();
    const fits = pushes.map((records) => fitRecords(records, now));
    const ids = [...new Set(fits.flatMap(({ records }) => records.map((r) => r.recordId)))];
    const stored = await this.records.storedWithConversation(this.tx.autocommit, ids);
    return pushes.map((records, i) => {
      const { records: fitted, unfit } = fits[i];
      const notStored = new Set<string>();
      for (const { recordId } of fitted) if (!stored.has(recordId)) notStored.add(recordId);
      if (records.length === 0 || unfit.length > 0 || fitted.length !== records.length || notStored.size > 0)
        return { replay: false, notStored };
      const replay = fitted.every((record) => {
        const sealed = stored.get(record.recordId)!;
        // Opened to see which fields it holds (they are sealed together): one AES-GCM pass over a few KB a record.
        const held = this.conversations.openSealed(sealed);
        // Only a field given (not empty) is stored (CallConversationRepository seals no empty text).
        return (
          (!record.recordingUrl || held.recordingUrl) &&
          (!record.transcript || held.transcript) &&
          (!record.summary || held.summary)
        );
      });
      return { replay, notStored };
    });
  }
}
