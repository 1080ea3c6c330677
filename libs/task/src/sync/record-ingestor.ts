import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Clock, failpoint, maskPhonesInText, SealedPhone } from '@app/core';
import { EventOutbox } from '@app/events';
import { SuppressionService } from '@app/suppression';
import { CallUpdates, ContactRepository } from '../repositories/contact.repository';
import { IncomingRecord } from '../domain/call-outcome';
import { CallRecordRepository, CallRecordRow } from '../repositories/call-record.repository';
import { CallConversationRepository, Conversation } from '../repositories/call-conversation.repository';
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
 * A fixed number of statements whatever the page size: one read of known record ids, one of the contacts, one
 * multi-row insert, one joined update per 500 contacts, and, when the page carries conversations, one read of
 * their records' ids and one multi-row upsert (per 4 MB of sealed text). Runs inside the caller's transaction,
 * under the task's lock.
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

  async ingest(manager: EntityManager, { task, callTaskId, records: received }: IngestCommand): Promise<IngestOutcome> {
    const now = this.clock.now();
    const { records, unfit } = fitRecords(received, now);
    if (unfit.length > 0) {
      this.logger.warn(
        `task ${task.id}, call task ${callTaskId}: ${unfit.length} value(s) of the platform's records did not fit the database ` +
          `and were fitted or their record rejected: ${maskPhonesInText(describeUnfit(unfit))}`,
      );
      for (const value of unfit) this.metrics?.unfitValue(value.field, value.action);
    }
    const storedIds = new Set<string>();
    const outcome: IngestOutcome = { received: received.length, stored: 0, requeued: 0, moved: 0, storedIds };
    const known = await this.records.knownIds(
      manager,
      records.map((r) => r.recordId),
    );
    const fresh = new Map<string, IncomingRecord>();
    // What was said, by record: a known record re-delivered with it fills what its stored conversation lacks.
    const said = new Map<string, Conversation>();
    for (const record of records) {
      const conversation = conversationFrom(record);
      if (conversation) said.set(record.recordId, conversation);
      if (!known.has(record.recordId) && /^\d+$/.test(record.ref)) fresh.set(record.recordId, record);
    }
    if (fresh.size === 0) {
      await this.storeConversations(manager, task.id, said);
      return outcome;
    }

    const targets = await this.contacts.callTargets(manager, task.id, [
      ...new Set([...fresh.values()].map((r) => r.ref)),
    ]);
    const byId = new Map(targets.map((c) => [String(c.id), c]));
    // Scheduled on the service's clock, like every other window decision: the same instant for the whole page,
    // so it is worked out once (the time-zone arithmetic is the costliest JavaScript of a page).
    let callback: Date | undefined;
    const callbackAt = () =>
      (callback ??= nextWindowOpening(taskCallWindow(task), now, this.settings.inconvenientCallbackDays));

    const rows: CallRecordRow[] = [];
    const called: { entry: CalledEntry; events: number }[] = [];
    const updates: CallUpdates = new Map();
    const notConsidering: SealedPhone[] = [];
    const wrongNumbers: SealedPhone[] = [];
    const withdrawn: string[] = [];
    for (const record of [...fresh.values()].sort((a, b) => a.calledAt.getTime() - b.calledAt.getTime())) {
      const contact = byId.get(record.ref);
      if (!contact) continue; // not this task's contact: never trust a ref blindly
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
      // The conversation is not in the batch: the renderer reads it from call_conversation (one copy, sealed). An
      // erased candidate's call (one already in progress on the platform at the erasure) is stored as a result; what
      // they said is not kept (storeConversations leaves erased contacts out).
      const entry: CalledEntry = [record.recordId, contact.attempts + 1, 0];
      called.push({ entry, events: eventsPerCall(connected ? record.intention : Intention.None) });
      if (connected && record.intention === Intention.NotConsidering)
        notConsidering.push(this.phones.sealedOf(contact));
      if (connected && record.intention === Intention.WrongNumber) wrongNumbers.push(this.phones.sealedOf(contact));
      // Only a contact still in this campaign moves on; a late duplicate for an older attempt is history only.
      if (contact.status === ContactStatus.InCampaign && String(contact.callTaskId) === String(callTaskId)) {
        const after = applyCall(contact, record, task, callbackAt);
        if (Number(contact.withdrawPending) === 1) {
          // Withdrawn while this campaign held it: the result is kept, no further call (withdrawn just below).
          Object.assign(after, { requeued: false, status: ContactStatus.Done, nextAttemptAt: null });
          withdrawn.push(String(contact.id));
        }
        updates.set(String(contact.id), after);
        Object.assign(contact, { attempts: after.attempts, callbackCount: after.callbackCount, status: after.status });
        if (after.requeued) contact.callTaskId = null;
      }
    }
    await this.records.insertMany(manager, rows);
    for (const row of rows) storedIds.add(row.recordId);
    await this.storeConversations(manager, task.id, said);
    await this.announce(manager, task, called);
    failpoint('ingest.after-records');
    await this.contacts.applyCalls(manager, updates, now);
    failpoint('ingest.after-contacts');
    await this.withdrawals.afterCampaign(manager, task, callTaskId, withdrawn);
    outcome.stored = rows.length;
    outcome.requeued = [...updates.values()].filter((u) => u.requeued).length;
    outcome.moved = updates.size;

    if (notConsidering.length)
      await this.suppression.addDoNotCall(manager, task.firmId, notConsidering, 'not_considering', now);
    if (wrongNumbers.length) await this.suppression.markInvalid(manager, task.firmId, wrongNumbers);
    if (notConsidering.length || wrongNumbers.length) failpoint('ingest.after-suppression');
    // A cancelled task calls nobody again: a failed call that would have been retried closes its contact.
    if (task.status === TaskStatus.Cancelled && outcome.requeued > 0)
      await this.contacts.closeForCancel(manager, task.id, null);
    return outcome;
  }

  /**
   * The conversations of this page's records that carried one, beside their stored call records (this task's
   * only; keyed by the record's id, with its contact and time as stored): two statements, none without one.
   */
  private async storeConversations(
    manager: EntityManager,
    taskId: string,
    said: ReadonlyMap<string, Conversation>,
  ): Promise<void> {
    if (said.size === 0) return;
    const stored = await this.records.storedOf(manager, taskId, [...said.keys()]);
    await this.conversations.upsertMany(
      manager,
      stored.map((r) => ({
        callRecordId: r.id,
        taskId,
        contactId: r.contactId,
        calledAt: r.calledAt,
        conversation: said.get(r.recordId)!,
      })),
    );
  }

  /**
   * One `contact.called` per stored call result, and a `candidate.interested` beside each whose candidate is
   * interested, in the page's transaction: written as one compact event batch (the results' record ids, attempts
   * and sequences; their conversations are read from call_conversation), rendered into the events by
   * ContactCalledEvents once committed.
   */
  private async announce(
    manager: EntityManager,
    task: TaskEntity,
    called: readonly { entry: CalledEntry; events: number }[],
  ): Promise<void> {
    if (called.length === 0) return;
    let sequence = await this.tasks.allocateEventSequences(
      manager,
      String(task.id),
      called.reduce((n, c) => n + c.events, 0),
    );
    for (const c of called) {
      c.entry[2] = sequence;
      sequence += c.events;
    }
    await this.outbox.appendBatch(manager, {
      kind: CALLED_BATCH_KIND,
      firmId: String(task.firmId),
      taskId: String(task.id),
      entries: called.map((c) => c.entry),
    });
  }
}
