import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import {
  captureTraceContext,
  Clock,
  DomainError,
  ErrorKind,
  inLinkedSpan,
  RecentlyUsed,
  TraceContext,
} from '@app/core';
import { EntityManager } from 'typeorm';
import { SqlDialect, TransactionRunner } from '@app/database';
import { RemoteCallRecord } from '@app/campaign-gateway';
import { TaskRepository } from '../repositories/task.repository';
import { RecordIngestor } from './record-ingestor';
import { TaskEntity } from '../entities/task.entity';
import { storedRecordId } from '../domain/wire-fit';
import { SyncMetrics } from './sync-metrics';
import { TASK_SETTINGS, TaskSettings } from '../task.settings';
import { ContactRepository } from '../repositories/contact.repository';
import { TaskStatus } from '../domain/statuses';
import { CampaignEndFollower } from './campaign-end-follower';
import { ReplayedPushCheck } from './replayed-push-check';

export class UnknownCampaignError extends DomainError {
  readonly code = 'CAMPAIGN_NOT_FOUND';
  readonly kind = ErrorKind.NotFound;
  constructor(campaignId: string) {
    super(`No call task is recorded for campaign ${campaignId} (yet): retry later`);
  }
}

export interface IngestPushedRecordsCommand {
  campaignId: string;
  records: RemoteCallRecord[];
}

export interface IngestPushedRecordsOutcome {
  received: number;
  stored: number;
}

/** A push waiting for the next transaction. */
interface PendingPush {
  campaignId: string;
  taskId: string;
  callTaskId: string;
  records: RemoteCallRecord[];
  resolve(outcome: IngestPushedRecordsOutcome): void;
  reject(error: unknown): void;
  /** tracing (issue 23, item 5): the push's request, which its transaction's span links to. */
  trace?: TraceContext;
  /**
   * Its records the replay check (of its transaction's pushes, just before it) found not stored: not read again
   * under the lock (IngestOptions.presumedFresh). Dropped when the push is run again after a failure.
   */
  presumedFresh?: ReadonlySet<string>;
}

/** The call task a campaign belongs to: written once, when the campaign is created, and never changed. */
interface CampaignOf {
  callTaskId: string;
  taskId: string;
}

/**
 * Records pushed by the platform's callback go through exactly the path of the sync (RecordIngestor), under
 * the task's lock: stored once by record id, so a push repeated, or also read by polling, changes nothing.
 * The sync's cursor is left alone: polling stays the safety net and simply finds these records stored. A push
 * that gives the last contact of a campaign its result hands the task to CampaignEndFollower once committed and
 * answered, which moves it on (the campaign closed, the next one opened or the task completed) within seconds.
 *
 * Pushes are coalesced across tasks (group commit). One push transaction runs at a time, and a push arriving
 * meanwhile waits for the next one, which takes every push waiting then, whatever its task (up to
 * `MAX_RECORDS_PER_TRANSACTION` records). Before it begins, one read of all those pushes' records answers the
 * replays among them (ReplayedPushCheck: stored already, they take no lock and write nothing) and tells the
 * transaction which records are new, so it need not read them again. Only when the transactions running have all
 * run `LANE_PATIENCE_MS` (one held up on a task's lock: a sync page, a campaign's end, a recruiter's pause) does
 * another start beside them, for the pushes of the other tasks, up to `SYNC_PUSH_LANES` at once; a task is in one
 * transaction at a time, so its pushes stay in order; and at once, patience or not, when `FULL_TRANSACTION_RECORDS`
 * records wait for it (a batching platform's pushes: a transaction of that many gains nothing from waiting to
 * coalesce more). A transaction held up thus holds back the others' pushes by `LANE_PATIENCE_MS` at most, while a
 * healthy process keeps one transaction at a time: lanes given to every task by id whatever the
 * database's pace split the pushes into several small concurrent transactions, each with its own statements and
 * commit, which cost the API twice the CPU and the database several times its CPU a push (bench/README.md,
 * "callback"; docs/architecture.md, "Progress bounds"). The embedded database runs one transaction at a time
 * whatever the lanes (SqliteDialect), so it has one. A transaction locks all its tasks in one statement, in id order
 * (TaskRepository.lockMany: two such transactions, or one and a sync, wait on each other rather than deadlock),
 * and stores all their records with the statements of one page (RecordIngestor.ingestMany). A quiet platform's
 * push is its own transaction, as fast as before; a busy one's pushes share transactions, so the database's
 * cost per record falls as the rate rises instead of one transaction per push (one push per call at 200 calls/s:
 * bench/README.md, "push"). Each push is answered once the transaction holding its records commits; if a shared
 * transaction fails, its pushes are run again one by one, so one push's fault is its own.
 */
@Injectable()
export class IngestPushedRecords {
  /** Records per coalesced transaction at most: the largest page the sync stores at once. */
  static readonly MAX_RECORDS_PER_TRANSACTION = 1000;
  /** Campaigns whose call task a process remembers (a few hundred bytes each). */
  static readonly REMEMBERED = 10_000;
  /** How long the push transactions running must all have run before another starts beside them. */
  static readonly LANE_PATIENCE_MS = 100;
  /**
   * Records waiting (of tasks in no running transaction) that start another transaction beside the running ones
   * at once, patience or not: a transaction of that many shares its statements and commit as well as one of more
   * would, so waiting to coalesce further saves nothing and only delays them (the platform's batched pushes).
   */
  static readonly FULL_TRANSACTION_RECORDS = 500;

  private readonly logger = new Logger(IngestPushedRecords.name);
  /** Per task id, the pushes waiting for a transaction, oldest first; tasks in the order they came. */
  private readonly queues = new Map<string, PendingPush[]>();
  /** Push transactions that may run at once (SYNC_PUSH_LANES; one on the embedded database). */
  private readonly lanes: number;
  /** The tasks of the push transactions running now: a task's next pushes wait for its transaction to end. */
  private readonly busy = new Set<string>();
  /** When each push transaction running now started (ms, this process's monotonic clock). */
  private readonly running = new Set<{ startedAt: number }>();
  /** A look again once the youngest transaction running has run LANE_PATIENCE_MS, while pushes wait. */
  private patienceTimer?: NodeJS.Timeout;
  private readonly campaigns = new RecentlyUsed<string, CampaignOf>(IngestPushedRecords.REMEMBERED);

  constructor(
    private readonly tx: TransactionRunner,
    private readonly tasks: TaskRepository,
    private readonly ingestor: RecordIngestor,
    private readonly contacts: ContactRepository,
    private readonly follower: CampaignEndFollower,
    private readonly clock: Clock,
    private readonly dialect: SqlDialect,
    @Inject(TASK_SETTINGS) private readonly settings: TaskSettings,
    private readonly replays: ReplayedPushCheck,
    @Optional() private readonly metrics?: SyncMetrics,
  ) {
    this.lanes = dialect.kind === 'sqlite' ? 1 : settings.pushLanes;
  }

  async execute(command: IngestPushedRecordsCommand): Promise<IngestPushedRecordsOutcome> {
    const campaign = await this.campaignOf(command.campaignId);
    return new Promise((resolve, reject) => {
      const push: PendingPush = { ...command, ...campaign, resolve, reject };
      push.trace = captureTraceContext(); // tracing (issue 23, item 5)
      const queue = this.queues.get(campaign.taskId);
      if (queue) queue.push(push);
      else this.queues.set(campaign.taskId, [push]);
      this.startTransactions();
    });
  }

  /**
   * Starts a push transaction for the pushes waiting, if none runs, or, while fewer than `lanes` run, if every one
   * running has run LANE_PATIENCE_MS or FULL_TRANSACTION_RECORDS records wait (of tasks in none); otherwise, while
   * pushes of tasks not in a running transaction wait, looks again once the youngest has run that long (or when a
   * transaction ends).
   */
  private startTransactions(): void {
    while (this.running.size < this.lanes && this.hasStartable()) {
      const now = performance.now();
      const youngest = Math.max(-Infinity, ...[...this.running].map((t) => t.startedAt));
      const wait = youngest + IngestPushedRecords.LANE_PATIENCE_MS - now;
      if (this.running.size > 0 && wait > 0 && this.startableRecords() < IngestPushedRecords.FULL_TRANSACTION_RECORDS) {
        if (!this.patienceTimer) {
          this.patienceTimer = setTimeout(() => {
            this.patienceTimer = undefined;
            this.startTransactions();
          }, Math.ceil(wait));
          this.patienceTimer.unref();
        }
        return;
      }
      const batch = this.takeWaiting();
      const transaction = { startedAt: now };
      const tasks = new Set(batch.map((p) => p.taskId));
      this.running.add(transaction);
      for (const taskId of tasks) this.busy.add(taskId);
      void this.run(batch).finally(() => {
        this.running.delete(transaction);
        for (const taskId of tasks) this.busy.delete(taskId);
        this.startTransactions();
      });
    }
  }

  /** Whether a push waits whose task is in no running transaction. */
  private hasStartable(): boolean {
    for (const taskId of this.queues.keys()) if (!this.busy.has(taskId)) return true;
    return false;
  }

  /** The records of the pushes waiting whose task is in no running transaction (counted up to a full one). */
  private startableRecords(): number {
    let records = 0;
    for (const [taskId, queue] of this.queues) {
      if (this.busy.has(taskId)) continue;
      for (const push of queue) records += push.records.length;
      if (records >= IngestPushedRecords.FULL_TRANSACTION_RECORDS) break;
    }
    return records;
  }

  /**
   * One transaction's pushes, answered whatever happens: the replays among them at once, from one read of all their
   * records (ReplayedPushCheck), and the others by one transaction, which does not read again the records that
   * read found not stored.
   */
  private async run(batch: PendingPush[]): Promise<void> {
    try {
      const rest = await this.answerReplays(batch);
      if (rest.length > 0) await this.settle(rest);
    } catch (error) {
      // settle answers every push it is given, so this is a bug: answer the batch rather than leave it waiting (the
      // platform retries a push not answered 2xx).
      for (const push of batch) push.reject(error);
    }
  }

  /**
   * Answers the pushes of the batch whose every record is stored already (a replay: no lock, no transaction, no
   * write) and gives the others what the read found not stored. A database out of reach answers the batch and
   * every push waiting behind it at once, as `settle` does (the transaction would wait out its own timeout again
   * before the same answer: past the platform's 5 s); a read that fails otherwise leaves every push to the
   * transaction, which reads its records under the lock.
   */
  private async answerReplays(batch: PendingPush[]): Promise<PendingPush[]> {
    let inspections;
    try {
      inspections = await inLinkedSpan(
        'push.replay-check',
        batch.map((p) => p.trace),
        { 'push.count': batch.length },
        () => this.replays.inspectMany(batch.map((p) => p.records)),
      );
    } catch (error) {
      if (!this.dialect.isConnectionError(error)) return batch;
      this.answerOutOfReach(batch, error);
      return [];
    }
    const rest: PendingPush[] = [];
    batch.forEach((push, i) => {
      const { replay, notStored } = inspections[i];
      if (replay) push.resolve({ received: push.records.length, stored: 0 });
      else rest.push(Object.assign(push, { presumedFresh: notStored }));
    });
    return rest;
  }

  /**
   * The pushes waiting of the tasks in no running transaction, task by task in the order the tasks came (each
   * task's oldest first), up to the records a transaction takes (at least one push). A task whose pushes do not
   * all fit keeps the rest, first in line.
   */
  private takeWaiting(): PendingPush[] {
    const batch: PendingPush[] = [];
    let records = 0;
    for (const [taskId, queue] of this.queues) {
      if (this.busy.has(taskId)) continue;
      let count = 0;
      while (
        count < queue.length &&
        (batch.length + count === 0 ||
          records + queue[count].records.length <= IngestPushedRecords.MAX_RECORDS_PER_TRANSACTION)
      ) {
        records += queue[count].records.length;
        count += 1;
      }
      batch.push(...queue.splice(0, count));
      if (queue.length > 0) break;
      this.queues.delete(taskId);
    }
    return batch;
  }

  /**
   * The database out of reach: the batch and every push waiting behind it answered with the error at once. Each
   * would fail the same way after a wait of its own (a connect or acquire timeout each, one after another, past the
   * platform's 5 s), and the platform retries them anyway.
   */
  private answerOutOfReach(batch: readonly PendingPush[], error: unknown): void {
    for (const push of [...batch, ...this.takeAll()]) push.reject(error);
  }

  /** Every push waiting, taken off the queues. */
  private takeAll(): PendingPush[] {
    const all: PendingPush[] = [];
    for (const queue of this.queues.values()) all.push(...queue);
    this.queues.clear();
    return all;
  }

  /**
   * Answers every push of the batch: from one shared transaction, or, when that fails, from one each. When the
   * database cannot be reached, the batch and every push waiting behind it are answered at once
   * (`answerOutOfReach`; another transaction running meanwhile answers its batch itself).
   */
  private async settle(batch: PendingPush[]): Promise<void> {
    try {
      // tracing (issue 23, item 5): the transaction's span, child of the first push's request, linked to every push's
      const { outcomes, ended } = await inLinkedSpan(
        'push.ingest',
        batch.map((p) => p.trace),
        { 'push.count': batch.length, 'task.count': new Set(batch.map((p) => p.taskId)).size },
        () => this.ingest(batch),
      );
      this.metrics?.pushesCoalesced(batch.length);
      batch.forEach((push, i) => push.resolve(outcomes[i]));
      // Committed and answered: the campaigns these pushes ended are moved on now, in the background.
      for (const { taskId, callTaskId } of ended) this.follower.follow(taskId, callTaskId, 'push');
    } catch (error) {
      if (this.dialect.isConnectionError(error)) {
        this.answerOutOfReach(batch, error);
        return;
      }
      if (batch.some((p) => p.presumedFresh?.size) && this.dialect.isUniqueViolation(error)) {
        // A record the replay check found not stored was stored since (by the sync, or another process's push):
        // nothing of the transaction was kept, and the pushes run again, their records all read under the lock.
        for (const push of batch) push.presumedFresh = undefined;
        await this.settle(batch);
        return;
      }
      if (batch.length === 1) {
        batch[0].reject(error);
        return;
      }
      const tasks = new Set(batch.map((p) => p.taskId)).size;
      this.logger.warn(`${batch.length} coalesced pushes of ${tasks} task(s) failed together; running them one by one`);
      for (const push of batch) await this.settle([push]);
    }
  }

  /**
   * One transaction, the batch's tasks locked in id order: the pushes' records stored per call task, each task's
   * in arrival order. `ended`: the call tasks whose last contact waiting for a result got it from these pushes
   * (their campaign is over).
   */
  private ingest(batch: readonly PendingPush[]): Promise<{
    outcomes: IngestPushedRecordsOutcome[];
    ended: { taskId: string; callTaskId: string }[];
  }> {
    return this.tx.run(async (manager) => {
      const locked = await this.tasks.lockMany(
        manager,
        batch.map((p) => p.taskId),
      );
      const tasks = new Map(locked.map((t) => [String(t.id), t]));
      const missing = batch.find((p) => !tasks.has(p.taskId));
      if (missing) throw new UnknownCampaignError(missing.campaignId);
      const byCallTask = new Map<string, { task: TaskEntity; records: RemoteCallRecord[] }>();
      for (const push of batch) {
        const page = byCallTask.get(push.callTaskId) ?? { task: tasks.get(push.taskId)!, records: [] };
        page.records.push(...push.records);
        byCallTask.set(push.callTaskId, page);
      }
      const pages = [...byCallTask].map(([callTaskId, { task, records }]) => ({ task, callTaskId, records }));
      const presumedFresh = new Set(batch.flatMap((p) => [...(p.presumedFresh ?? [])]));
      const results = await this.ingestor.ingestMany(manager, pages, { lockedTogether: true, presumedFresh });
      const stored = new Set<string>();
      for (const outcome of results) for (const id of outcome.storedIds) stored.add(id);
      // Whether a campaign is over is asked only of those whose contacts moved on (one statement for all).
      const movedOn = pages.filter((_, i) => results[i].moved > 0);
      const awaiting = await this.contacts.awaitingResult(
        manager,
        movedOn.map((p) => p.callTaskId),
      );
      const ended = movedOn
        .filter((p) => !awaiting.has(p.callTaskId))
        .map((p) => ({ taskId: String(p.task.id), callTaskId: p.callTaskId }));
      const endedTasks = new Set(ended.map((e) => e.taskId));
      const running = new Set(
        movedOn.filter((p) => awaiting.has(p.callTaskId) && !endedTasks.has(String(p.task.id))).map((p) => p.task),
      );
      await this.quietPolling(manager, [...running]);
      // Each stored record is counted once, for the first push that carried it (by the key it is stored under).
      const outcomes = batch.map((push) => ({
        received: push.records.length,
        stored: push.records.filter((r) => r.recordId && stored.delete(storedRecordId(r.recordId))).length,
      }));
      return { outcomes, ended };
    });
  }

  /**
   * The platform pushes results of these tasks' running campaigns, which still have contacts to report on: the
   * sync's passes leave them alone for SYNC_SKIP_AFTER_PUSH_SECONDS (their `sync_after`), polling being the safety
   * net once the pushes stop; a campaign's end is noticed by the push that reveals it (CampaignEndFollower) or by
   * the worker's minute check. Only for a task in progress: pushes never postpone the sync of a task that is
   * paused, cancelled or waiting (its calls in flight are results, not a reason to look later). Written at most
   * every half period, never shortening a later `sync_after`: one statement for all the tasks due for it.
   */
  private async quietPolling(manager: EntityManager, tasks: readonly TaskEntity[]): Promise<void> {
    const quietMs = this.settings.skipPollAfterPushSeconds * 1000;
    if (quietMs === 0) return;
    const now = this.clock.now().getTime();
    const due = tasks.filter(
      (task) =>
        task.status === TaskStatus.InProgress && !(task.syncAfter && task.syncAfter.getTime() >= now + quietMs / 2),
    );
    await this.tasks.syncAfterMany(
      manager,
      due.map((t) => String(t.id)),
      new Date(now + quietMs),
    );
  }

  private async campaignOf(campaignId: string): Promise<CampaignOf> {
    const known = this.campaigns.get(campaignId);
    if (known) return known;
    const callTask = await this.tasks.findCallTaskByCampaign(this.tx.autocommit, campaignId);
    // Not remembered when unknown: the campaign's id may be recorded next.
    if (!callTask) throw new UnknownCampaignError(campaignId);
    const campaign = { callTaskId: String(callTask.id), taskId: String(callTask.taskId) };
    this.campaigns.set(campaignId, campaign);
    return campaign;
  }
}
