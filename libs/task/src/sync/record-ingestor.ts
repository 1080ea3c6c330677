import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Clock, ERASED_KEY_ID, failpoint, maskPhonesInText, SealedPhone } from '@app/core';
import { EventOutbox, NewEventBatch } from '@app/events';
import { SuppressionService } from '@app/suppression';
import { CallUpdates, ContactRepository } from '../repositories/contact.repository';
import { IncomingRecord } from '../domain/call-outcome';
import { CallRecordRepository, CallRecordRow } from '../repositories/call-record.repository';
import {
  CallConversationRepository,
  Conversation,
  ConversationRow,
} from '../repositories/call-conversation.repository';
import { TaskRepository } from '../repositories/task.repository';
import { ContactPhones } from '../repositories/contact-phones';
import { TaskEntity } from '../entities/task.entity';
import { CallResult, ContactStatus, Intention, TaskStatus } from '../domain/statuses';
import { applyCall } from '../domain/call-outcome';
import { nextWindowOpening } from '../domain/call-window';
import { taskCallWindow } from '../domain/task-window';
import { TASK_SETTINGS, TaskSettings } from '../task.settings';
import { describeUnfit, fitRecords } from '../domain/wire-fit';
import { SyncMetrics } from './sync-metrics';
import { ContactWithdrawals } from './contact-withdrawals';
import { CALLED_BATCH_KIND, CalledEntry, conversationFrom, eventsPerCall } from './contact-called-events';

/** A page of call records for one call task of a task, polled or pushed. */
export interface IngestCommand {
  /** The task, locked by the caller. */
  task: TaskEntity;
  callTaskId: string;
  records: readonly IncomingRecord[];
}

export interface IngestOptions {
  /**
   * Every page's task was locked by this transaction's first statement (TaskRepository.lockMany) and none has
   * been given event sequences since: the pages' sequences are then given out in one statement for all.
   */
  lockedTogether?: boolean;
  /**
   * Record ids (as stored) the caller found not stored a moment before, outside the lock (the callback's replay
   * check, ReplayedPushCheck): they are not read again under the lock. Should one have been stored meanwhile (by
   * the sync, or another process's push), the records' insert fails with a unique violation, nothing of the
   * transaction is kept, and the caller runs the pages again without the presumption.
   */
  presumedFresh?: ReadonlySet<string>;
}

export interface IngestOutcome {
  received: number;
  stored: number;
  requeued: number;
  /** Contacts of the call task that got their result from this page (they were waiting for it in the campaign). */
  moved: number;
  /** The remote ids of the records stored now (not the ones already known, rejected or not the task's). */
  storedIds: ReadonlySet<string>;
}

/**
 * The one path by which call results enter the database, whether polled by the sync or pushed by the platform:
 * each record stored once by its remote id, contacts moved on, and the firm-wide consequences of what the
 * candidate said ("not considering" → do-not-call list, wrong number → invalid for the firm).
 * Values that do not fit their columns are fitted first (domain/wire-fit: cut, or the record rejected), with a
 * warning and a metric, so one oversized value never fails the page it came in.
 * What the candidate said (summary, transcript, recording link) is stored beside each record, sealed
 * (CallConversationRepository), re-delivered records included: they fill what their stored conversation lacks.
 * A fixed number of statements whatever the page size: one read of known record ids (none for the ids the caller
 * presumes new: IngestOptions.presumedFresh), one of the contacts, one multi-row insert (which gives the new records'
 * ids where the server returns them), one joined update per 500 contacts, and, when the page carries conversations,
 * one multi-row insert (per 4 MB of sealed text; each conversation sealed as one value) and, for records stored
 * before this page (or every record, on a server without RETURNING), one read of their ids and stored
 * conversations and one rewrite of those it adds to. Runs inside the caller's transaction, under the task's lock.
 */
@Injectable()
export class RecordIngestor {
  private readonly logger = new Logger(RecordIngestor.name);

  constructor(
    private readonly contacts: ContactRepository,
    private readonly records: CallRecordRepository,
    private readonly conversations: CallConversationRepository,
    private readonly tasks: TaskRepository,
    private readonly phones: ContactPhones,
    private readonly outbox: EventOutbox,
    private readonly suppression: SuppressionService,
    private readonly withdrawals: ContactWithdrawals,
    private readonly clock: Clock,
    @Inject(TASK_SETTINGS) private readonly settings: TaskSettings,
    @Optional() private readonly metrics?: SyncMetrics,
  ) {}

  async ingest(manager: EntityManager, command: IngestCommand): Promise<IngestOutcome> {
    return (await this.ingestMany(manager, [command]))[0];
  }

  /**
   * Several pages in one go, each for its own task and call task (the pushes of several tasks sharing one
   * transaction): the statements are the page's, shared by all of them (each read and write covers every page;
   * the events' sequences one statement per task, or one for all with `lockedTogether`). The outcomes are the
   * pages', in their order. A record id in two pages is stored once, for the first.
   */
  async ingestMany(
    manager: EntityManager,
    pages: readonly IngestCommand[],
    options: IngestOptions = {},
  ): Promise<IngestOutcome[]> {
    const now = this.clock.now();
    const fitted = pages.map(({ task, callTaskId, records: received }) => {
      const { records, unfit } = fitRecords(received, now);
      if (unfit.length > 0) {
        this.logger.warn(
          `task ${task.id}, call task ${callTaskId}: ${unfit.length} value(s) of the platform's records did not fit the database ` +
            `and were fitted or their record rejected: ${maskPhonesInText(describeUnfit(unfit))}`,
        );
        for (const value of unfit) this.metrics?.unfitValue(value.field, value.action);
      }
      return records;
    });
    const storedIds = pages.map(() => new Set<string>());
    const outcomes: IngestOutcome[] = pages.map((page, i) => ({
      received: page.records.length,
      stored: 0,
      requeued: 0,
      moved: 0,
      storedIds: storedIds[i],
    }));
    const presumedFresh = options.presumedFresh ?? new Set<string>();
    const known = await this.records.knownIds(
      manager,
      fitted.flatMap((records) => records.map((r) => r.recordId)).filter((id) => !presumedFresh.has(id)),
    );
    // Per page, its records not stored yet (a record id in two pages belongs to the first).
    const fresh = pages.map(() => new Map<string, IncomingRecord>());
    const claimed = new Set<string>();
    // What was said, by record: a known record re-delivered with it fills what its stored conversation lacks.
    const said = new Map<string, { taskId: string; conversation: Conversation }>();
    fitted.forEach((records, i) => {
      const taskId = String(pages[i].task.id);
      for (const record of records) {
        const conversation = conversationFrom(record);
        if (conversation) {
          const before = said.get(record.recordId);
          said.set(
            record.recordId,
            before
              ? { taskId: before.taskId, conversation: { ...conversation, ...defined(before.conversation) } }
              : { taskId, conversation },
          );
        }
        if (!known.has(record.recordId) && !claimed.has(record.recordId) && /^\d+$/.test(record.ref)) {
          fresh[i].set(record.recordId, record);
          claimed.add(record.recordId);
        }
      }
    });
    if (claimed.size === 0) {
      await this.storeConversations(manager, said);
      return outcomes;
    }

    const targets = await this.contacts.callTargets(manager, [
      ...new Set(fresh.flatMap((records) => [...records.values()].map((r) => r.ref))),
    ]);
    const byId = new Map(targets.map((c) => [String(c.id), c]));

    const rows: CallRecordRow[] = [];
    /** The records inserted now whose contact was erased: what they said is not kept. */
    const ofErased = new Set<string>();
    const called = new Map<TaskEntity, { entry: CalledEntry; events: number }[]>();
    const updates: CallUpdates = new Map();
    const notConsidering = new Map<string, SealedPhone[]>();
    const wrongNumbers = new Map<string, SealedPhone[]>();
    const withdrawn = pages.map((): string[] => []);
    const moved = pages.map(() => new Set<string>());
    for (const [i, { task, callTaskId }] of pages.entries()) {
      // Scheduled on the service's clock, like every other window decision: the same instant for the whole page,
      // so it is worked out once (the time-zone arithmetic is the costliest JavaScript of a page).
      let callback: Date | undefined;
      const callbackAt = () =>
        (callback ??= nextWindowOpening(taskCallWindow(task), now, this.settings.inconvenientCallbackDays));
      const firmId = String(task.firmId);
      for (const record of [...fresh[i].values()].sort((a, b) => a.calledAt.getTime() - b.calledAt.getTime())) {
        const contact = byId.get(record.ref);
        // Not this task's contact: never trust a ref blindly.
        if (!contact || String(contact.taskId) !== String(task.id)) continue;
        const connected = record.callResult === CallResult.Connected;
        rows.push({
          recordId: record.recordId,
          taskId: task.id,
          callTaskId,
          contactId: String(contact.id),
          callResult: record.callResult,
          failReason: record.failReason,
          intention: connected ? record.intention : Intention.None,
          durationSec: connected ? record.durationSec : 0,
          calledAt: record.calledAt,
        });
        storedIds[i].add(record.recordId);
        if (contact.phoneKeyId === ERASED_KEY_ID) ofErased.add(record.recordId);
        // The conversation is not in the batch: the renderer reads it from call_conversation (one copy, sealed). An
        // erased candidate's call (one already in progress on the platform at the erasure) is stored as a result;
        // what they said is not kept (storeConversations leaves erased contacts out).
        const entry: CalledEntry = [record.recordId, contact.attempts + 1, 0];
        const entries = called.get(task) ?? [];
        entries.push({ entry, events: eventsPerCall(connected ? record.intention : Intention.None) });
        called.set(task, entries);
        if (connected && record.intention === Intention.NotConsidering)
          push(notConsidering, firmId, this.phones.sealedOf(contact));
        if (connected && record.intention === Intention.WrongNumber)
          push(wrongNumbers, firmId, this.phones.sealedOf(contact));
        // Only a contact still in this campaign moves on; a late duplicate for an older attempt is history only.
        if (contact.status === ContactStatus.InCampaign && String(contact.callTaskId) === String(callTaskId)) {
          const after = applyCall(contact, record, task, callbackAt);
          if (Number(contact.withdrawPending) === 1) {
            // Withdrawn while this campaign held it: the result is kept, no further call (withdrawn just below).
            Object.assign(after, { requeued: false, status: ContactStatus.Done, nextAttemptAt: null });
            withdrawn[i].push(String(contact.id));
          }
          updates.set(String(contact.id), after);
          moved[i].add(String(contact.id));
          Object.assign(contact, {
            attempts: after.attempts,
            callbackCount: after.callbackCount,
            status: after.status,
          });
          if (after.requeued) contact.callTaskId = null;
        }
      }
    }
    const ids = await this.records.insertNew(manager, rows);
    await this.storeConversations(manager, said, { rows, ids, ofErased });
    await this.announce(manager, called, options.lockedTogether === true);
    failpoint('ingest.after-records');
    await this.contacts.applyCalls(manager, updates, now);
    failpoint('ingest.after-contacts');
    for (const [i, { task, callTaskId }] of pages.entries()) {
      await this.withdrawals.afterCampaign(manager, task, callTaskId, withdrawn[i]);
      const outcome = outcomes[i];
      outcome.stored = storedIds[i].size;
      outcome.moved = moved[i].size;
      outcome.requeued = [...moved[i]].filter((id) => updates.get(id)!.requeued).length;
    }

    for (const [firmId, phones] of notConsidering)
      await this.suppression.addDoNotCall(manager, firmId, phones, 'not_considering', now);
    for (const [firmId, phones] of wrongNumbers) await this.suppression.markInvalid(manager, firmId, phones);
    if (notConsidering.size || wrongNumbers.size) failpoint('ingest.after-suppression');
    // A cancelled task calls nobody again: a failed call that would have been retried closes its contact.
    const closing = new Set<TaskEntity>();
    for (const [i, { task }] of pages.entries())
      if (task.status === TaskStatus.Cancelled && outcomes[i].requeued > 0) closing.add(task);
    for (const task of closing) await this.contacts.closeForCancel(manager, task.id, null);
    return outcomes;
  }

  /**
   * The conversations of these pages' records that carried one, beside their stored call records (each of the
   * task whose page carried it; keyed by the record's id, with its contact and time as stored): one statement, none
   * without one. The records `inserted` now are keyed by the ids their insert gave (`ids`; where the server gives
   * none, MySQL, they are read as the others are); the others, re-delivered, are read with their stored
   * conversations (and those a re-delivery adds to rewritten). An erased candidate's call keeps no conversation.
   */
  private async storeConversations(
    manager: EntityManager,
    said: ReadonlyMap<string, { taskId: string; conversation: Conversation }>,
    inserted: {
      rows: readonly CallRecordRow[];
      ids: ReadonlyMap<string, string> | undefined;
      ofErased: ReadonlySet<string>;
    } = { rows: [], ids: new Map(), ofErased: new Set() },
  ): Promise<void> {
    if (said.size === 0) return;
    const rows: ConversationRow[] = [];
    const fresh = new Set<string>();
    for (const row of inserted.rows) {
      fresh.add(row.recordId);
      const id = inserted.ids?.get(row.recordId);
      const what = said.get(row.recordId);
      if (id === undefined || what?.taskId !== String(row.taskId) || inserted.ofErased.has(row.recordId)) continue;
      rows.push({
        callRecordId: id,
        taskId: String(row.taskId),
        contactId: row.contactId,
        calledAt: row.calledAt,
        conversation: what.conversation,
        fresh: true,
      });
    }
    const unread = [...said.keys()].filter((recordId) => !fresh.has(recordId) || inserted.ids === undefined);
    for (const r of await this.records.storedOf(manager, unread))
      if (said.get(r.recordId)!.taskId === r.taskId)
        rows.push({
          callRecordId: r.id,
          taskId: r.taskId,
          contactId: r.contactId,
          calledAt: r.calledAt,
          conversation: said.get(r.recordId)!.conversation,
          // Inserted by this transaction just now: no conversation of it can be stored yet.
          fresh: fresh.has(r.recordId),
        });
    await this.conversations.upsertMany(manager, rows);
  }

  /**
   * One `contact.called` per stored call result, and a `candidate.interested` beside each whose candidate is
   * interested, in the page's transaction: written as one compact event batch a task (the results' record ids,
   * attempts and sequences; their conversations are read from call_conversation), rendered into the events by
   * ContactCalledEvents once committed. All the tasks' batches are one insert; their sequences one statement a
   * task, or one for all when the caller locked them together (`lockedTogether`).
   */
  private async announce(
    manager: EntityManager,
    called: ReadonlyMap<TaskEntity, readonly { entry: CalledEntry; events: number }[]>,
    lockedTogether: boolean,
  ): Promise<void> {
    if (called.size === 0) return;
    const counts = new Map([...called].map(([task, c]) => [task, c.reduce((n, x) => n + x.events, 0)]));
    const firsts = lockedTogether
      ? await this.tasks.allocateLockedEventSequences(manager, counts)
      : new Map<TaskEntity, number>();
    if (!lockedTogether)
      for (const [task, count] of counts)
        firsts.set(task, await this.tasks.allocateEventSequences(manager, String(task.id), count));
    const batches: NewEventBatch[] = [];
    for (const [task, entries] of called) {
      let sequence = firsts.get(task)!;
      for (const c of entries) {
        c.entry[2] = sequence;
        sequence += c.events;
      }
      batches.push({
        kind: CALLED_BATCH_KIND,
        firmId: String(task.firmId),
        taskId: String(task.id),
        entries: entries.map((c) => c.entry),
      });
    }
    await this.outbox.appendBatches(manager, batches);
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** The fields of a conversation that hold a value (so that spreading it fills, never blanks). */
function defined(conversation: Conversation): Partial<Conversation> {
  return Object.fromEntries(Object.entries(conversation).filter(([, v]) => v !== null && v !== undefined));
}
