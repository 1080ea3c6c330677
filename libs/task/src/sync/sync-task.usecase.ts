import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { Clock, failpoint } from '@app/core';
import { TransactionRunner } from '@app/database';
import { CampaignGatewayClient, RemoteCampaignStatus } from '@app/campaign-gateway';
import { FirmBotService } from '@app/firm-bot-quota';
import { EntityManager } from 'typeorm';
import { CallTaskStatus, FINISHED_TASK_STATUSES, TaskStatus } from '../domain/statuses';
import { TaskRepository } from '../repositories/task.repository';
import { ContactRepository } from '../repositories/contact.repository';
import { IncomingRecord } from '../domain/call-outcome';
import { SyncFence } from '../domain/sync-fence';
import { CampaignLauncher } from './campaign-launcher';
import { RecordIngestor } from './record-ingestor';
import { CallTaskEntity } from '../entities/call-task.entity';
import { TaskEntity } from '../entities/task.entity';
import { TASK_SETTINGS, TaskSettings } from '../task.settings';
import { SyncMetrics } from './sync-metrics';
import { pagingStall } from '../domain/paging';
import { BotChecks, edgeOf } from '../domain/edges';
import { PAUSED_CAMPAIGN_SETTLE_MS, pausedSyncAfter } from '../domain/sync-due';
import { characters, cursorFits, DETAIL_CURSOR_LENGTH } from '../domain/wire-fit';
import { SyncTaskAction, SyncTaskOutcome } from './sync-task-outcome';
import { ContactWithdrawals } from './contact-withdrawals';

export type { SyncTaskAction, SyncTaskOutcome } from './sync-task-outcome';

/** Why the edge check changed a task: the BOT or the window closed (suspended), or the window opened (resumed). */
type Edge = Extract<SyncTaskAction, 'suspended' | 'resumed'> | null;

/** A task and its active call task as read without the lock, for the sync's first look. */
export interface KnownTask {
  task: TaskEntity | null;
  active: CallTaskEntity | null;
}

/** One task's sync, as a pass, the minute check or a campaign-end follow-up asks for it. */
export interface SyncTaskCommand {
  taskId: string;
  /** The lease the caller holds on the task: checked at every lock the sync takes (nothing written once it is lost). */
  fence?: SyncFence;
  /** The pass's view of the firms' entitlements (each read once per pass); read per task without one. */
  bots?: BotChecks;
  /** The task and its active call task as the pass read them for its whole batch (RunSyncPass); read here without it. */
  known?: KnownTask;
}

/**
 * SPEC §3 "sync" for one task, in three steps:
 *  1. edges: a closed or expired BOT or a closed window pauses the task (recorded first, with the reason); the
 *     window opening resumes a task the window paused;
 *  2. read the campaign not finished yet, whatever the task's status (a paused or cancelled task's calls are
 *     real results), page by page from the stored cursor; each record stored once, contacts moved on; a
 *     campaign finished remotely and read to its end is closed;
 *  3. reconcile: bring the campaign to what the task intends, given the status the platform just reported
 *     (CampaignLauncher.drive); with no campaign left, open the next one or complete the task.
 * Run by a worker under its lease on the task: `fence` goes to every lock taken, which checks it (nothing is
 * written once the lease is lost).
 */
@Injectable()
export class SyncTask {
  private readonly logger = new Logger(SyncTask.name);

  constructor(
    private readonly tx: TransactionRunner,
    private readonly tasks: TaskRepository,
    private readonly contacts: ContactRepository,
    private readonly launcher: CampaignLauncher,
    private readonly ingestor: RecordIngestor,
    private readonly gateway: CampaignGatewayClient,
    private readonly firmBot: FirmBotService,
    private readonly withdrawals: ContactWithdrawals,
    private readonly clock: Clock,
    @Inject(TASK_SETTINGS) private readonly settings: TaskSettings,
    @Optional() private readonly metrics?: SyncMetrics,
  ) {}

  /** `bots` and `known` are looks without the lock: every decision is taken again under the task's lock. */
  async execute({ taskId, fence, bots, known }: SyncTaskCommand): Promise<SyncTaskOutcome> {
    const outcome: SyncTaskOutcome = { taskId, recordsStored: 0, action: 'none' };
    const found = known ? known.task : await this.tasks.findById(this.tx.autocommit, taskId);
    if (!found || found.status === TaskStatus.NotStarted) return outcome;
    let active = known ? known.active : await this.tasks.findActiveCallTask(this.tx.autocommit, taskId);
    if (FINISHED_TASK_STATUSES.includes(found.status) && !active) return outcome;

    const edge = (await this.atEdge(found, bots)) ? await this.applyEdges(taskId, fence) : null;
    if (edge) outcome.action = edge;
    const task = edge ? (await this.tasks.findById(this.tx.autocommit, taskId))! : found;

    let observed: RemoteCampaignStatus | undefined;
    // Any campaign the platform created is read, also one never started (status 0): a cancelled task's such
    // campaign is closed once the platform reports it finished, instead of being visited for ever.
    if (active?.campaignId) {
      const drained = await this.drain(task, active, fence);
      outcome.recordsStored = drained.stored;
      if (drained.stored > 0 && !edge) outcome.action = 'ingested';
      if (drained.closed) active = null;
      observed = drained.remoteStatus;
    }

    if (active) {
      const wasStarting = task.status === TaskStatus.Starting;
      await this.launcher.drive(active.id, { observed, fence, known: { task, callTask: active } });
      if (wasStarting && !edge) outcome.action = 'confirmed';
      if (outcome.recordsStored === 0 && observed === RemoteCampaignStatus.Paused && this.mayRest(task, active)) {
        await this.restIfSettled(taskId, active.id, fence);
      }
      return outcome;
    }
    if (FINISHED_TASK_STATUSES.includes(task.status)) return outcome;

    const next = await this.rollOver(taskId, fence);
    if (next === 'completed') {
      failpoint('complete.after-commit');
      return { ...outcome, action: 'completed' };
    }
    if (next) {
      failpoint('prepare.after-commit');
      await this.launcher.drive(next, { fence });
      return { ...outcome, action: 'next_campaign' };
    }
    return outcome;
  }

  /** The tasks of a pass's batch and their active call tasks, in two queries for the batch (see `execute`). */
  async knownTasks(taskIds: readonly string[]): Promise<Map<string, KnownTask>> {
    const [tasks, active] = await Promise.all([
      this.tasks.findByIds(this.tx.autocommit, taskIds),
      this.tasks.findActiveCallTasks(this.tx.autocommit, taskIds),
    ]);
    return new Map(taskIds.map((id) => [id, { task: tasks.get(id) ?? null, active: active.get(id) ?? null }]));
  }

  /** A pass's view of the firms' BOT entitlements: each firm read once for the whole pass. */
  passBotChecks(): BotChecks {
    return new BotChecks((firmId) => this.firmBot.isUsable(this.tx.autocommit, firmId));
  }

  /** A cheap look without the lock: whether the BOT or the window may change the task now. */
  private async atEdge(task: TaskEntity, bots?: BotChecks): Promise<boolean> {
    const bot = () => (bots ? bots.of(task.firmId) : this.firmBot.isUsable(this.tx.autocommit, task.firmId));
    return (await edgeOf(task, this.clock.now(), bot)) !== null;
  }

  /**
   * The BOT and the call window, checked under the task's lock and recorded as the task's status (the intent):
   * the campaign itself is paused or started by the reconcile step. A recruiter's pause is never overwritten.
   */
  private async applyEdges(taskId: string, fence: SyncFence | undefined): Promise<Edge> {
    const edge = await this.tx.run(async (manager): Promise<Edge> => {
      const task = await this.tasks.lock(manager, taskId, fence);
      if (!task) return null;
      const edge = await edgeOf(task, this.clock.now(), () => this.firmBot.isUsable(manager, task.firmId));
      if (edge?.action === 'pause') {
        await this.tasks.transition(manager, task, [task.status], {
          status: TaskStatus.Paused,
          pauseReason: edge.reason,
        });
        return edge.suspends ? 'suspended' : null;
      }
      if (edge?.action === 'resume') {
        const active = await this.tasks.findActiveCallTask(manager, taskId);
        await this.tasks.transition(manager, task, [TaskStatus.Paused], {
          status: active ? TaskStatus.Starting : TaskStatus.InProgress,
          pauseReason: null,
        });
        return 'resumed';
      }
      return null;
    });
    if (edge === 'suspended') failpoint('suspend.after-pause-recorded');
    if (edge) this.logger.log(`task ${taskId} ${edge} at a BOT or call-window edge`);
    return edge;
  }

  /**
   * Reads every record newer than the stored cursor; each page is stored with its cursor in one transaction.
   * Once the platform reports the campaign finished and every page is read, the call task is closed. Paging
   * that does not advance stops the reading for this pass, with an error: the page's records are stored.
   */
  private async drain(
    task: TaskEntity,
    callTask: CallTaskEntity,
    fence: SyncFence | undefined,
  ): Promise<{ stored: number; closed: boolean; remoteStatus?: RemoteCampaignStatus }> {
    let cursor = callTask.detailCursor;
    const followed = new Set<string | null>([cursor]);
    let stored = 0;
    for (;;) {
      const page = await this.gateway.getCampaignDetail({
        campaignId: callTask.campaignId!,
        cursor,
        limit: this.settings.syncPageSize,
      });
      failpoint('drain.after-fetch');
      const records: IncomingRecord[] = page.records.map((r) => ({ ...r, ref: r.ref }));
      const storable = !page.nextCursor || this.cursorStorable(task.id, page.nextCursor);
      const cursorMoves = !!page.nextCursor && page.nextCursor !== cursor && storable;
      // A page with nothing to store and no cursor to move writes nothing: no transaction (the common case of a
      // running campaign polled between calls). Closing a finished campaign still goes through the lock below.
      const stillActive =
        records.length === 0 && !cursorMoves
          ? true
          : await this.tx.run(async (manager) => {
              const locked = (await this.tasks.lock(manager, task.id, fence)) ?? task;
              const current = await this.tasks.findCallTask(manager, callTask.id);
              // Records are stored even for a call task finished meanwhile (they are real calls); the cursor only
              // moves for the call task this pass is reading.
              const result = await this.ingestor.ingest(manager, { task: locked, callTaskId: callTask.id, records });
              stored += result.stored;
              if (cursorMoves) await this.tasks.saveDetailCursor(manager, callTask.id, page.nextCursor!);
              failpoint('drain.before-commit');
              return current?.status !== CallTaskStatus.Finished;
            });
      failpoint('drain.after-commit');
      if (!stillActive) return { stored, closed: true };
      if (!page.hasMore) {
        if (page.status !== RemoteCampaignStatus.Finished) return { stored, closed: false, remoteStatus: page.status };
        failpoint('finish.before');
        await this.close(task.id, callTask.id, fence);
        failpoint('finish.after-commit');
        return { stored, closed: true, remoteStatus: page.status };
      }
      const stall = pagingStall(cursor, page.nextCursor, followed);
      if (stall) {
        this.logger.error(
          `task ${task.id}: campaign ${callTask.campaignId} ${stall} (after cursor ${cursor?.slice(0, DETAIL_CURSOR_LENGTH) ?? 'null'}); ` +
            'its reading stops for this pass, the records of the page are stored',
        );
        this.metrics?.pagingStalled();
        return { stored, closed: false };
      }
      cursor = page.nextCursor ?? cursor;
      followed.add(cursor);
    }
  }

  /** A cursor too long for its column is followed in this pass but not stored: the next pass re-reads from the last one stored. */
  private cursorStorable(taskId: string, cursor: string): boolean {
    if (cursorFits(cursor)) return true;
    this.logger.warn(
      `task ${taskId}: a next_cursor of ${characters(cursor)} characters does not fit its column (${DETAIL_CURSOR_LENGTH}): ` +
        'followed in this pass, not stored',
    );
    this.metrics?.unfitValue('next_cursor', 'not_saved');
    return false;
  }

  /**
   * Closes a campaign finished remotely and read to its end. Its contacts never reported were not dialled: those
   * withdrawn meanwhile are withdrawn now; for a cancelled task the others are closed with it; otherwise each spends
   * an attempt (`not_dialled`).
   */
  private async close(taskId: string, callTaskId: string, fence: SyncFence | undefined): Promise<void> {
    await this.tx.run(async (manager) => {
      const task = await this.tasks.lock(manager, taskId, fence);
      if (!task) return;
      const moved = await this.tasks.updateCallTask(
        manager,
        callTaskId,
        [CallTaskStatus.New, CallTaskStatus.InProgress, CallTaskStatus.Paused],
        { status: CallTaskStatus.Finished, finishedAt: this.clock.now() },
      );
      if (!moved) return;
      // Withdrawn while the campaign held them and never reported: withdrawn now, no attempt spent.
      await this.withdrawals.afterCampaign(manager, task, callTaskId);
      if (task.status === TaskStatus.Cancelled) await this.contacts.closeForCancel(manager, taskId, callTaskId);
      else await this.contacts.settleUnreported(manager, callTaskId, task, this.clock.now());
    });
  }

  /**
   * A paused task whose campaign the platform reports paused, and on which nothing has changed for
   * PAUSED_CAMPAIGN_SETTLE_MS (its last results read): nothing more to read until it is resumed, so the passes
   * leave it alone (`pausedSyncAfter`: a status move, its window's opening, a day at most). Decided under the lock.
   */
  private async restIfSettled(taskId: string, callTaskId: string, fence: SyncFence | undefined): Promise<void> {
    await this.tx.run(async (manager) => {
      const task = await this.tasks.lock(manager, taskId, fence);
      const callTask = await this.tasks.findCallTask(manager, callTaskId);
      if (!task || !callTask || !this.mayRest(task, callTask)) return;
      await this.tasks.syncAfter(manager, taskId, pausedSyncAfter(task, this.clock.now()));
    });
  }

  /**
   * The rule of `restIfSettled`, read first on what the pass already holds (no transaction for a campaign paused
   * less than PAUSED_CAMPAIGN_SETTLE_MS ago, the common case), then again under the lock.
   */
  private mayRest(task: TaskEntity, callTask: CallTaskEntity): boolean {
    if (task.status !== TaskStatus.Paused || callTask.status !== CallTaskStatus.Paused) return false;
    return this.clock.now().getTime() - new Date(callTask.updatedAt).getTime() >= PAUSED_CAMPAIGN_SETTLE_MS;
  }

  /**
   * With no campaign active: open the next one if contacts are due (its call task's id), or complete the task if
   * none is left (`'completed'`); null when neither.
   */
  private async rollOver(taskId: string, fence: SyncFence | undefined): Promise<string | null> {
    return this.tx.run(async (manager) => {
      const task = await this.tasks.lock(manager, taskId, fence);
      if (!task) return null;
      if (await this.tasks.findActiveCallTask(manager, taskId)) return null; // another pass got here first
      if (task.status === TaskStatus.Starting) {
        // Its campaign ran and was read to its end before the start was ever confirmed: it is running.
        await this.tasks.transition(manager, task, [TaskStatus.Starting], {
          status: TaskStatus.InProgress,
          startedAt: task.startedAt ?? this.clock.now(),
        });
      }
      if (task.status === TaskStatus.InProgress) {
        const next = await this.launcher.prepare(manager, task);
        if (next) return next;
      }
      if (![TaskStatus.InProgress, TaskStatus.Paused].includes(task.status)) return null;
      if (await this.completeIfDone(manager, task)) return 'completed';
      // Nothing to do until the first waiting contact is due: the pass passes the task over until then.
      if (task.status === TaskStatus.InProgress) {
        const due = await this.contacts.nextDue(manager, taskId);
        if (due?.at && due.at > this.clock.now()) await this.tasks.syncAfter(manager, taskId, due.at);
      }
      // Paused with no campaign: nothing until it is resumed (or its window opens), cancelled or given contacts.
      if (task.status === TaskStatus.Paused)
        await this.tasks.syncAfter(manager, taskId, pausedSyncAfter(task, this.clock.now()));
      return null;
    });
  }

  private async completeIfDone(manager: EntityManager, task: TaskEntity): Promise<boolean> {
    const pending = await this.contacts.countPending(manager, task.id);
    if (pending.waiting > 0 || pending.inCampaign > 0) return false;
    const completed = await this.tasks.transition(manager, task, [TaskStatus.InProgress, TaskStatus.Paused], {
      status: TaskStatus.Completed,
      pauseReason: null,
      finishedAt: this.clock.now(),
    });
    failpoint('complete.before-commit');
    return completed;
  }
}
