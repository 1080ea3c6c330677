import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'crypto';
import { EntityManager } from 'typeorm';
import { Clock, failpoint } from '@app/core';
import { TransactionRunner } from '@app/database';
import { CampaignGatewayClient, RemoteCampaignStatus, RobotCallRejectedError } from '@app/campaign-gateway';
import { isTransitionRefused } from '../domain/remote-refusal';
import { isWindowOpen } from '../domain/call-window';
import { taskCallWindow } from '../domain/task-window';
import { campaignIntent, CampaignIntent } from '../domain/transitions';
import { SuppressionService } from '@app/suppression';
import { TaskRepository } from '../repositories/task.repository';
import { ContactRepository, DueContact } from '../repositories/contact.repository';
import { TaskEntity } from '../entities/task.entity';
import { CallTaskEntity } from '../entities/call-task.entity';
import { CallTaskStatus, PauseReason, TaskStatus } from '../domain/statuses';
import { SyncFence } from '../domain/sync-fence';
import { ContactWithdrawals } from './contact-withdrawals';

/** How a call task is driven: what the platform just reported, the sync's lease, and what the caller just read. */
export interface DriveOptions {
  /** The status the platform just reported (the sync's last detail page), when known. */
  observed?: RemoteCampaignStatus;
  /** The sync's lease on the task: checked at every lock the drive takes (nothing written once it is lost). */
  fence?: SyncFence;
  /** The task and call task as the caller just read them, to save the first round's reads (the confirm re-checks under the lock). */
  known?: { task: TaskEntity; callTask: CallTaskEntity };
}

/** Batches screened away entirely by the firm's rules before prepare gives up for this pass. */
const MAX_SCREENING_ROUNDS = 5;
/** Times the platform may refuse to create or start a campaign before the task is paused `platform_rejected`. */
export const MAX_PLATFORM_REFUSALS = 3;
/** Rounds of act-then-confirm when the intent keeps changing under us (a pause racing a start); then the sync. */
const MAX_DRIVE_ROUNDS = 3;

/**
 * Drives remote campaigns by one rule: the intent is recorded first, under the task's lock (the task's status:
 * 2/3 running, 4 paused, 6 stopped, see `campaignIntent`); then the platform is called with no lock held; then
 * the result is confirmed under the lock, and only if the intent is still the same (else the next round acts on
 * the new intent). Anyone may drive a call task again at any time (a retried start, the recruiter's pause, the
 * sync's reconciliation with the status the platform reports): every step is idempotent, and `campaign_add`
 * carries the call task's `request_id`, so a crash or a lost reply never yields a second campaign.
 */
@Injectable()
export class CampaignLauncher {
  private readonly logger = new Logger(CampaignLauncher.name);

  constructor(
    private readonly tasks: TaskRepository,
    private readonly contacts: ContactRepository,
    private readonly gateway: CampaignGatewayClient,
    private readonly tx: TransactionRunner,
    private readonly clock: Clock,
    private readonly suppression: SuppressionService,
    private readonly withdrawals: ContactWithdrawals,
  ) {}

  /**
   * Records a new call task with a fresh `request_id` and claims its contacts; the task becomes "starting".
   * Returns its id, or null when nobody may be called now: the call window is closed, or no contact is due.
   * Caller holds the task lock. The firm's rules are checked again here, at dispatch, and each number is claimed
   * in the firm's registry: numbers put on the do-not-call list, found wrong, or called or claimed by another
   * task since they were added are skipped with that reason.
   */
  async prepare(manager: EntityManager, task: TaskEntity): Promise<string | null> {
    const now = this.clock.now();
    if (!isWindowOpen(taskCallWindow(task), now)) return null;
    let batch: DueContact[] = [];
    for (let round = 0; round < MAX_SCREENING_ROUNDS && batch.length === 0; round++) {
      const due = await this.contacts.dueWaiting(manager, task.id, now, task.batchSize);
      if (due.length === 0) return null;
      // Claimed, not just read: two tasks of the firm preparing at once cannot both take a number.
      const suppressed = await this.suppression.claim(
        manager,
        task.firmId,
        task.id,
        due.map((c) => c.phone),
        now,
        task.sourceTaskId ? [String(task.sourceTaskId)] : [],
      );
      for (const reason of new Set(suppressed.values())) {
        await this.contacts.skip(
          manager,
          due.filter((c) => suppressed.get(c.phone) === reason).map((c) => c.id),
          reason,
        );
      }
      batch = due.filter((c) => !suppressed.has(c.phone));
    }
    if (batch.length === 0) return null;
    const ids = batch.map((c) => c.id);
    const batchNo = await this.tasks.nextBatchNo(manager, task.id);
    const callTaskId = await this.tasks.insertCallTask(manager, {
      taskId: task.id,
      batchNo,
      requestId: randomUUID(),
      status: CallTaskStatus.New,
      contactCount: ids.length,
    });
    await this.contacts.assignToCallTask(manager, ids, callTaskId);
    failpoint('prepare.after-claim');
    await this.tasks.transition(manager, task, [TaskStatus.NotStarted, TaskStatus.InProgress, TaskStatus.Paused], {
      status: TaskStatus.Starting,
      pauseReason: null,
    });
    return callTaskId;
  }

  /**
   * Brings the call task's remote campaign to what its task intends, and records what the platform confirmed.
   * `observed` is the status the platform just reported (the sync's last detail page), when known: it lets the
   * sync repair a campaign whose local and remote states disagree (a pause or start that went through remotely
   * but was never confirmed locally). Transient gateway errors propagate (the intent stays recorded; the sync
   * tries again); a refusal is counted and, at the limit, pauses the task with `platform_rejected`.
   */
  async drive(callTaskId: string, options: DriveOptions = {}): Promise<void> {
    for (let round = 0; round < MAX_DRIVE_ROUNDS; round++) {
      const known = round === 0 && options.known?.callTask.id === callTaskId ? options.known : undefined;
      const callTask = known?.callTask ?? (await this.tasks.findCallTask(this.tx.autocommit, callTaskId));
      if (!callTask || callTask.status === CallTaskStatus.Finished) return;
      const task = known?.task ?? (await this.tasks.findById(this.tx.autocommit, callTask.taskId));
      if (!task) return;
      const observed = round === 0 ? options.observed : undefined;
      const settled = await this.step(task, callTask, campaignIntent(task.status), observed, options.fence);
      if (settled) return;
    }
    this.logger.warn(`call task ${callTaskId}: its task's intent kept changing; the next sync reconciles it`);
  }

  /** One act-and-confirm round toward `intent`; false when the intent changed meanwhile (act again). */
  private async step(
    task: TaskEntity,
    callTask: CallTaskEntity,
    intent: CampaignIntent,
    observed: RemoteCampaignStatus | undefined,
    fence: SyncFence | undefined,
  ): Promise<boolean> {
    switch (intent) {
      case 'running':
        return this.run(task, callTask, observed, fence);
      case 'paused':
        return this.pause(task, callTask, observed, fence);
      case 'stopped':
        return this.stop(task, callTask, observed, fence);
    }
  }

  private async run(
    task: TaskEntity,
    callTask: CallTaskEntity,
    observed: RemoteCampaignStatus | undefined,
    fence: SyncFence | undefined,
  ): Promise<boolean> {
    if (!isWindowOpen(taskCallWindow(task), this.clock.now())) {
      // Nobody is called outside the window: record the pause; the next round pauses a running campaign, and
      // the worker resumes it when the window opens.
      await this.tx.run(async (manager) => {
        const current = await this.tasks.lock(manager, task.id, fence);
        if (!current) return;
        await this.tasks.transition(manager, current, [TaskStatus.Starting, TaskStatus.InProgress], {
          status: TaskStatus.Paused,
          pauseReason: PauseReason.OutsideWindow,
        });
      });
      // Settled only if nothing can be dialling: a campaign with an id may be running on the platform whatever the
      // call task says (a start whose reply was lost leaves it 0), so the next round pauses it.
      return !callTask.campaignId;
    }

    let campaignId = callTask.campaignId;
    if (!campaignId) {
      campaignId = await this.createRemote(task, callTask, fence);
      if (!campaignId) return false;
    }
    // Started unless confirmed running, or the platform just said it runs (or ran to its end): a start whose reply
    // was lost is confirmed by the next look, not sent again.
    const remoteStarted = observed === RemoteCampaignStatus.Running || observed === RemoteCampaignStatus.Finished;
    const needsStart =
      (callTask.status !== CallTaskStatus.InProgress && !remoteStarted) ||
      observed === RemoteCampaignStatus.New ||
      observed === RemoteCampaignStatus.Paused;
    if (needsStart) {
      if (!(await this.stillIntended(task.id, 'running'))) return false;
      if (!(await this.startRemote(task, callTask, campaignId, fence))) return true;
    }
    failpoint('launch.after-start');
    // Running and recorded as running, task and call task: nothing to confirm (the common case of every sync pass).
    // A call task still 0 whose campaign the platform reports running (a start whose reply was lost) is confirmed.
    if (!needsStart && task.status === TaskStatus.InProgress && callTask.status === CallTaskStatus.InProgress)
      return true;

    const confirmed = await this.tx.run(async (manager) => {
      const current = await this.tasks.lock(manager, task.id, fence);
      if (!current || campaignIntent(current.status) !== 'running') return false;
      await this.tasks.updateCallTask(manager, callTask.id, [CallTaskStatus.New, CallTaskStatus.Paused], {
        status: CallTaskStatus.InProgress,
        refusals: 0,
      });
      await this.tasks.transition(manager, current, [TaskStatus.Starting], {
        status: TaskStatus.InProgress,
        pauseReason: null,
        lastError: null,
        startedAt: current.startedAt ?? this.clock.now(),
      });
      return true;
    });
    failpoint('launch.after-running');
    return confirmed;
  }

  /**
   * Pauses a campaign the platform may be running. Whatever the local call task says: one with an id may be
   * running although it says 0 (a start that reached the platform but whose reply was lost, or a pause racing a
   * start between its remote `start` and its confirm), so the pause is sent unless the platform just reported it
   * not running or it is confirmed paused; the platform's "not allowed from this status" means nothing dials
   * (never started, or finished: the sync reads it out), and counts as done.
   */
  private async pause(
    task: TaskEntity,
    callTask: CallTaskEntity,
    observed: RemoteCampaignStatus | undefined,
    fence: SyncFence | undefined,
  ): Promise<boolean> {
    if (!callTask.campaignId) return true; // never created: nothing dials
    const mayRun =
      observed === RemoteCampaignStatus.Running ||
      (observed === undefined && callTask.status !== CallTaskStatus.Paused);
    if (mayRun) {
      try {
        await this.gateway.changeCampaignStatus(callTask.campaignId, 'pause');
      } catch (error) {
        if (!isTransitionRefused(error)) throw error;
        return true;
      }
      failpoint('suspend.after-remote-pause');
    } else if (observed !== RemoteCampaignStatus.Paused || callTask.status === CallTaskStatus.Paused) {
      return true;
    }
    // Paused on the platform: recorded, while the task still intends it.
    return this.tx.run(async (manager) => {
      const current = await this.tasks.lock(manager, task.id, fence);
      if (!current || campaignIntent(current.status) !== 'paused') return false;
      await this.tasks.updateCallTask(manager, callTask.id, [CallTaskStatus.New, CallTaskStatus.InProgress], {
        status: CallTaskStatus.Paused,
      });
      return true;
    });
  }

  /**
   * A finished task's campaign is stopped, then read to its last record by the sync, which closes it. One that
   * the platform never created (no campaign id) is closed here, without creating it just to stop it.
   */
  private async stop(
    task: TaskEntity,
    callTask: CallTaskEntity,
    observed: RemoteCampaignStatus | undefined,
    fence: SyncFence | undefined,
  ): Promise<boolean> {
    if (!callTask.campaignId) {
      return this.tx.run(async (manager) => {
        await this.tasks.lock(manager, task.id, fence);
        const current = await this.tasks.findCallTask(manager, callTask.id);
        if (!current || current.status === CallTaskStatus.Finished) return true;
        if (current.campaignId) return false; // created meanwhile: stop it remotely
        await this.closeNeverCreated(manager, task, current.id);
        return true;
      });
    }
    if (observed === RemoteCampaignStatus.Finished) return true;
    try {
      await this.gateway.changeCampaignStatus(callTask.campaignId, 'stop');
    } catch (error) {
      if (!isTransitionRefused(error)) throw error; // refused: it had finished already
    }
    return true;
  }

  /** A call task whose campaign the platform never created is closed; its contacts follow the task's state. */
  async closeNeverCreated(manager: EntityManager, task: TaskEntity, callTaskId: string): Promise<void> {
    await this.tasks.updateCallTask(manager, callTaskId, [CallTaskStatus.New, CallTaskStatus.Paused], {
      status: CallTaskStatus.Finished,
      finishedAt: this.clock.now(),
    });
    // Withdrawn while it held them: nobody dialled them, so they are withdrawn now.
    await this.withdrawals.afterCampaign(manager, task, callTaskId);
    if (task.status === TaskStatus.Cancelled) await this.contacts.closeForCancel(manager, task.id, callTaskId);
    else await this.contacts.releaseFromCallTask(manager, callTaskId);
  }

  private async stillIntended(taskId: string, intent: CampaignIntent): Promise<boolean> {
    const task = await this.tasks.findById(this.tx.autocommit, taskId);
    return !!task && campaignIntent(task.status) === intent;
  }

  /** False when the platform refused the start (counted; see `refused`). */
  private async startRemote(
    task: TaskEntity,
    callTask: CallTaskEntity,
    campaignId: string,
    fence: SyncFence | undefined,
  ): Promise<boolean> {
    try {
      await this.gateway.changeCampaignStatus(campaignId, 'start');
      return true;
    } catch (error) {
      if (isTransitionRefused(error)) {
        // Refused because the campaign already finished: an earlier start went through but its answer was lost
        // (timeout), and the platform dialled everybody meanwhile. Record it as running: the sync reads its
        // records out and finishes it.
        const detail = await this.gateway.getCampaignDetail({ campaignId, cursor: callTask.detailCursor, limit: 1 });
        if (detail.status === RemoteCampaignStatus.Finished) {
          this.logger.warn(
            `campaign ${campaignId} of task ${task.id} had already run to its end; recording it as started`,
          );
          return true;
        }
      }
      if (error instanceof RobotCallRejectedError) await this.refused(task.id, callTask.id, error, true, fence);
      throw error;
    }
  }

  /**
   * Returns the campaign id for a call task, creating the campaign remotely if needed (idempotent by request
   * id); null when the call task was given up meanwhile or the platform refused it.
   */
  private async createRemote(
    task: TaskEntity,
    callTask: CallTaskEntity,
    fence: SyncFence | undefined,
  ): Promise<string | null> {
    const batch = await this.contacts.findByCallTask(this.tx.autocommit, callTask.id);
    failpoint('launch.before-create');
    let created;
    try {
      created = await this.gateway.addCampaign({
        requestId: callTask.requestId,
        name: `ai-visitor task ${task.id} batch ${callTask.batchNo}`,
        scriptId: task.scriptId,
        contacts: batch.map((c) => ({ ref: String(c.id), phone: c.phone, ...(c.name ? { name: c.name } : {}) })),
      });
    } catch (error) {
      if (error instanceof RobotCallRejectedError) await this.refused(task.id, callTask.id, error, false, fence);
      throw error;
    }
    failpoint('launch.after-create');
    const recorded = await this.tx.run((manager) =>
      this.tasks.recordCampaignId(manager, callTask.id, created.campaignId),
    );
    failpoint('launch.after-campaign-id');
    if (!recorded) return null;
    if (created.status === RemoteCampaignStatus.Finished) {
      this.logger.warn(`campaign ${created.campaignId} of task ${task.id} is already finished remotely`);
    }
    return created.campaignId;
  }

  /**
   * The platform refused to create or start the campaign. Counted on the call task; at MAX_PLATFORM_REFUSALS
   * the task is paused with `platform_rejected` and the platform's message in `lastError` (a stated state,
   * never an endless retry); a campaign the platform never created is given up, its contacts wait again.
   */
  private async refused(
    taskId: string,
    callTaskId: string,
    error: RobotCallRejectedError,
    created: boolean,
    fence: SyncFence | undefined,
  ): Promise<void> {
    await this.tx.run(async (manager) => {
      const task = await this.tasks.lock(manager, taskId, fence);
      const callTask = await this.tasks.findCallTask(manager, callTaskId);
      if (!task || !callTask || callTask.status === CallTaskStatus.Finished) return;
      const refusals = callTask.refusals + 1;
      await this.tasks.setRefusals(manager, callTaskId, refusals);
      await this.tasks.setLastError(manager, taskId, error.message);
      if (refusals < MAX_PLATFORM_REFUSALS) return;
      this.logger.warn(
        `task ${taskId}: the platform refused its campaign ${refusals} times; paused (platform_rejected)`,
      );
      if (!created && !callTask.campaignId) await this.closeNeverCreated(manager, task, callTaskId);
      await this.tasks.transition(manager, task, [TaskStatus.Starting, TaskStatus.InProgress], {
        status: TaskStatus.Paused,
        pauseReason: PauseReason.PlatformRejected,
      });
    });
  }
}
