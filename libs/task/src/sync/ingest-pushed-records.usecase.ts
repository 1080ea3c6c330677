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

/** A push waiting for its task's next transaction. */
interface PendingPush {
  campaignId: string;
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
 * Pushes of one task are coalesced (group commit): a push arriving while its task's transaction runs waits for
 * the next one, which takes every push waiting then (up to `MAX_RECORDS_PER_TRANSACTION` records). A quiet
 * platform's push is its own transaction, as fast as before; a busy one's pushes share transactions, so the
 * cost per record falls as the rate rises instead of a queue forming on the task's lock. (One push per call at
 * 200 calls/s, one transaction each, had the API's pool waiting on task locks and pushes timing out:
 * bench/README.md, "freshness".) Each push is answered once the transaction holding its records commits; if a
 * shared transaction fails, its pushes are run again one by one, so one push's fault is its own.
 */
@Injectable()
export class IngestPushedRecords {
  /** Records per coalesced transaction at most: the largest page the sync stores at once. */
  static readonly MAX_RECORDS_PER_TRANSACTION = 1000;
  /** Campaigns whose call task a process remembers (a few hundred bytes each). */
  static readonly REMEMBERED = 10_000;

  private readonly logger = new Logger(IngestPushedRecords.name);
  /** Per task id, the pushes waiting for its next transaction; present while one runs. */
  private readonly queues = new Map<string, PendingPush[]>();
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
  ) {}

  async execute(command: IngestPushedRecordsCommand): Promise<IngestPushedRecordsOutcome> {
    const campaign = await this.campaignOf(command.campaignId);
    // A push of records all stored already (a replay) is answered from one read: no lock, no transaction.
    if (await this.replays.allStored(command.records)) return { received: command.records.length, stored: 0 };
    return new Promise((resolve, reject) => {
      const push: PendingPush = { ...command, callTaskId: campaign.callTaskId, resolve, reject };
      push.trace = captureTraceContext(); // tracing (issue 23, item 5)
      const queue = this.queues.get(campaign.taskId);
      if (queue) {
        queue.push(push);
        return;
      }
      this.queues.set(campaign.taskId, []);
      void this.drain(campaign.taskId, [push]);
    });
  }

  /** Runs `first`, then whatever gathered meanwhile, until nothing waits for the task. */
  private async drain(taskId: string, first: PendingPush[]): Promise<void> {
    let batch = first;
    try {
      while (batch.length > 0) {
        await this.settle(taskId, batch);
        batch = this.takeWaiting(taskId);
      }
    } catch (error) {
      // settle answers every push it is given, so this is a bug: answer everyone still waiting rather than leave
      // the task's queue stuck (the platform retries a push not answered 2xx).
      for (const push of [...batch, ...(this.queues.get(taskId) ?? [])]) push.reject(error);
    } finally {
      this.queues.delete(taskId);
    }
  }

  /** The pushes waiting for the task, oldest first, up to the records a transaction takes (at least one push). */
  private takeWaiting(taskId: string): PendingPush[] {
    const queue = this.queues.get(taskId) ?? [];
    let records = 0;
    let count = 0;
    while (
      count < queue.length &&
      (count === 0 || records + queue[count].records.length <= IngestPushedRecords.MAX_RECORDS_PER_TRANSACTION)
    ) {
      records += queue[count].records.length;
      count += 1;
    }
    return queue.splice(0, count);
  }

  /**
   * Answers every push of the batch: from one shared transaction, or, when that fails, from one each. When the
   * database cannot be reached, the batch and every push waiting behind it for the task are answered at once: each
   * would fail the same way after a wait of its own (a connect or acquire timeout each, one after another), and the
   * platform retries them anyway.
   */
  private async settle(taskId: string, batch: PendingPush[]): Promise<void> {
    try {
      // tracing (issue 23, item 5): the transaction's span, child of the first push's request, linked to every push's
      const { outcomes, ended } = await inLinkedSpan(
        'push.ingest',
        batch.map((p) => p.trace),
        { 'push.count': batch.length, 'task.id': taskId },
        () => this.ingest(taskId, batch),
      );
      this.metrics?.pushesCoalesced(batch.length);
      batch.forEach((push, i) => push.resolve(outcomes[i]));
      // Committed and answered: the campaigns these pushes ended are moved on now, in the background.
      for (const callTaskId of ended) this.follower.follow(taskId, callTaskId, 'push');
    } catch (error) {
      if (this.dialect.isConnectionError(error)) {
        for (const push of [...batch, ...(this.queues.get(taskId)?.splice(0) ?? [])]) push.reject(error);
        return;
      }
      if (batch.length === 1) {
        batch[0].reject(error);
        return;
      }
      this.logger.warn(`${batch.length} coalesced pushes of task ${taskId} failed together; running them one by one`);
      for (const push of batch) await this.settle(taskId, [push]);
    }
  }

  /**
   * One transaction under the task's lock: the pushes' records stored per call task, in arrival order. `ended`:
   * the call tasks whose last contact waiting for a result got it from these pushes (their campaign is over).
   */
  private ingest(
    taskId: string,
    batch: readonly PendingPush[],
  ): Promise<{ outcomes: IngestPushedRecordsOutcome[]; ended: string[] }> {
    return this.tx.run(async (manager) => {
      const task = await this.tasks.lock(manager, taskId);
      if (!task) throw new UnknownCampaignError(batch[0].campaignId);
      const byCallTask = new Map<string, RemoteCallRecord[]>();
      for (const push of batch) {
        const records = byCallTask.get(push.callTaskId) ?? [];
        records.push(...push.records);
        byCallTask.set(push.callTaskId, records);
      }
      const stored = new Set<string>();
      const ended: string[] = [];
      let running = false;
      for (const [callTaskId, records] of byCallTask) {
        const outcome = await this.ingestor.ingest(manager, { task, callTaskId, records });
        for (const id of outcome.storedIds) stored.add(id);
        if (outcome.moved === 0) continue;
        if (await this.contacts.anyAwaitingResult(manager, callTaskId)) running = true;
        else ended.push(callTaskId);
      }
      if (running && ended.length === 0) await this.quietPolling(manager, task);
      // Each stored record is counted once, for the first push that carried it (by the key it is stored under).
      const outcomes = batch.map((push) => ({
        received: push.records.length,
        stored: push.records.filter((r) => r.recordId && stored.delete(storedRecordId(r.recordId))).length,
      }));
      return { outcomes, ended };
    });
  }

  /**
   * The platform pushes results of this task's running campaign, which still has contacts to report on: the sync's
   * passes leave it alone for SYNC_SKIP_AFTER_PUSH_SECONDS (its `sync_after`), polling being the safety net once
   * the pushes stop; the campaign's end is noticed by the push that reveals it (CampaignEndFollower) or by the
   * worker's minute check. Only for a task in progress: pushes never postpone the sync of a task that is paused,
   * cancelled or waiting (its calls in flight are results, not a reason to look later). Written at most every half
   * period, and never shortening a later `sync_after`.
   */
  private async quietPolling(manager: EntityManager, task: TaskEntity): Promise<void> {
    const quietMs = this.settings.skipPollAfterPushSeconds * 1000;
    if (quietMs === 0 || task.status !== TaskStatus.InProgress) return;
    const now = this.clock.now().getTime();
    if (task.syncAfter && task.syncAfter.getTime() >= now + quietMs / 2) return;
    await this.tasks.syncAfter(manager, String(task.id), new Date(now + quietMs));
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
