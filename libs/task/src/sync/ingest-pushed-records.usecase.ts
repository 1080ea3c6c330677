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
 * Pushes are coalesced across tasks (group commit). The process's tasks are split among `SYNC_PUSH_LANES` lanes by
 * id (`laneOf`); each lane runs one push transaction at a time, and a push arriving while its lane's runs waits for
 * the lane's next one, which takes every push of the lane waiting then, whatever its task (up to
 * `MAX_RECORDS_PER_TRANSACTION` records). Lanes never share a task, so a transaction waiting on one task's lock (a
 * sync page, a campaign's end, a recruiter's pause) holds back only its own lane's pushes, never the other lanes'
 * (docs/architecture.md, "Progress bounds"). The embedded database runs one transaction at a time whatever the
 * lanes (SqliteDialect), so it has one. A transaction locks all its tasks in one statement, in id order
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

  private readonly logger = new Logger(IngestPushedRecords.name);
  /** Per task id, the pushes waiting for their lane's next transaction, oldest first; tasks in the order they came. */
  private readonly queues = new Map<string, PendingPush[]>();
  /** Transactions of pushes that may run at once: tasks are split among them by id. */
  private readonly lanes: number;
  /** Per lane, whether a push transaction runs now (the one that takes the lane's waiting pushes next, when it ends). */
  private readonly draining: boolean[];
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
    this.draining = new Array<boolean>(this.lanes).fill(false);
  }

  /** The lane of a task: its id modulo the lanes (ids are handed out in sequence, so the lanes fill evenly). */
  private laneOf(taskId: string): number {
    return this.lanes === 1 ? 0 : Number(BigInt(taskId) % BigInt(this.lanes));
  }

  async execute(command: IngestPushedRecordsCommand): Promise<IngestPushedRecordsOutcome> {
    const campaign = await this.campaignOf(command.campaignId);
    // A push of records all stored already (a replay) is answered from one read: no lock, no transaction.
    if (await this.replays.allStored(command.records)) return { received: command.records.length, stored: 0 };
    return new Promise((resolve, reject) => {
      const push: PendingPush = { ...command, ...campaign, resolve, reject };
      push.trace = captureTraceContext(); // tracing (issue 23, item 5)
      const queue = this.queues.get(campaign.taskId);
      if (queue) queue.push(push);
      else this.queues.set(campaign.taskId, [push]);
      const lane = this.laneOf(campaign.taskId);
      if (!this.draining[lane]) {
        this.draining[lane] = true;
        void this.drain(lane);
      }
    });
  }

  /** Runs the lane's waiting pushes, a transaction at a time, until none waits. */
  private async drain(lane: number): Promise<void> {
    let batch: PendingPush[] = [];
    try {
      for (batch = this.takeWaiting(lane); batch.length > 0; batch = this.takeWaiting(lane)) await this.settle(batch);
    } catch (error) {
      // settle answers every push it is given, so this is a bug: answer everyone of the lane still waiting rather
      // than leave its queue stuck (the platform retries a push not answered 2xx).
      for (const push of [...batch, ...this.takeAll(lane)]) push.reject(error);
    } finally {
      this.draining[lane] = false;
    }
  }

  /**
   * The lane's pushes waiting, task by task in the order the tasks came (each task's oldest first), up to the
   * records a transaction takes (at least one push). A task whose pushes do not all fit keeps the rest, first in
   * line.
   */
  private takeWaiting(lane: number): PendingPush[] {
    const batch: PendingPush[] = [];
    let records = 0;
    for (const [taskId, queue] of this.queues) {
      if (this.laneOf(taskId) !== lane) continue;
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

  /** Every push waiting, of one lane or (no lane given) of all, taken off the queues. */
  private takeAll(lane?: number): PendingPush[] {
    const all: PendingPush[] = [];
    for (const [taskId, queue] of this.queues) {
      if (lane !== undefined && this.laneOf(taskId) !== lane) continue;
      all.push(...queue);
      this.queues.delete(taskId);
    }
    return all;
  }

  /**
   * Answers every push of the batch: from one shared transaction, or, when that fails, from one each. When the
   * database cannot be reached, the batch and every push waiting behind it, in every lane, are answered at once:
   * each would fail the same way after a wait of its own (a connect or acquire timeout each, one after another),
   * and the platform retries them anyway. (A lane's own transaction, running meanwhile, answers its batch itself.)
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
        for (const push of [...batch, ...this.takeAll()]) push.reject(error);
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
      const results = await this.ingestor.ingestMany(manager, pages, { lockedTogether: true });
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
