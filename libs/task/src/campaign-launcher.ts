import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'crypto';
import { EntityManager, IsNull } from 'typeorm';
import { Clock, failpoint } from '@app/core';
import { TransactionRunner } from '@app/database';
import { CampaignGatewayClient, RemoteCampaignStatus } from '@app/campaign-gateway';
import { isTransitionRefused } from './domain/remote-refusal';
import { isWindowOpen } from './domain/call-window';
import { taskCallWindow } from './domain/task-window';
import { SuppressionService } from '@app/suppression';
import { TaskRepository } from './repositories/task.repository';
import { ContactRepository, DueContact } from './repositories/contact.repository';
import { TaskEntity } from './entities/task.entity';
import { CallTaskEntity } from './entities/call-task.entity';
import { CallTaskStatus, PauseReason, TaskStatus } from './domain/statuses';

/** Batches screened away entirely by the firm's rules before prepare gives up for this pass. */
const MAX_SCREENING_ROUNDS = 5;

/**
 * Creates and starts remote campaigns in three steps so that no row lock is held across a remote call and a
 * crash or lost reply never yields a second campaign:
 *  1. `prepare` (in the caller's locked transaction): record the call task with a fresh `request_id` and
 *     claim its contacts; the task becomes "starting".
 *  2. `launch`: call `campaign_add` with that `request_id` (the same id always returns the same campaign), record
 *     the campaign id; call `change_status(start)`; record the call task as in progress and the task as running.
 *  3. Anyone may run `launch` again for the same call task (a retried start, the sync's reconciliation):
 *     every step is idempotent.
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
  ) {}

  /**
   * Step 1. Returns the new call task's id, or null when nobody may be called now: the call window is closed,
   * or no contact is due. Caller holds the task lock. The firm's rules are checked again here, at dispatch, and
   * each number is claimed in the firm's registry: numbers put on the do-not-call list, found wrong, or called or
   * claimed by another task since they were added are skipped with that reason.
   */
  async prepare(manager: EntityManager, task: TaskEntity): Promise<string | null> {
    const now = this.clock.now();
    if (!isWindowOpen(taskCallWindow(task), now)) return null;
    let batch: DueContact[] = [];
    for (let round = 0; round < MAX_SCREENING_ROUNDS && batch.length === 0; round++) {
      const due = await this.contacts.dueWaiting(manager, task.id, now, task.batchSize);
      if (due.length === 0) return null;
      // Claimed, not just read: two tasks of the firm preparing at once cannot both take a number.
      const suppressed = await this.suppression.claim(manager, task.firmId, task.id, due.map((c) => c.phone), now);
      for (const reason of new Set(suppressed.values())) {
        await this.contacts.skip(manager, due.filter((c) => suppressed.get(c.phone) === reason).map((c) => c.id), reason);
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
    await this.tasks.transition(manager, task.id, [TaskStatus.NotStarted, TaskStatus.InProgress, TaskStatus.Paused], {
      status: TaskStatus.Starting,
      pauseReason: null,
    });
    return callTaskId;
  }

  /** Steps 2–3: brings the call task's remote campaign to running and records it. Safe to repeat. */
  async launch(callTaskId: string): Promise<void> {
    const callTask = await this.tasks.findCallTask(callTaskId);
    if (!callTask || callTask.status === CallTaskStatus.Finished) return;
    const task = await this.tasks.findById(callTask.taskId);
    if (!task) return;
    if (!isWindowOpen(taskCallWindow(task), this.clock.now())) {
      // Nobody is called outside the window: the sync launches it when the window opens.
      await this.tx.run(async (manager) => {
        await this.tasks.lock(manager, task.id);
        await this.tasks.transition(manager, task.id, [TaskStatus.Paused], { pauseReason: PauseReason.OutsideWindow });
      });
      return;
    }

    const campaignId = callTask.campaignId ?? (await this.createRemote(task, callTask));
    try {
      await this.gateway.changeCampaignStatus(campaignId, 'start');
    } catch (error) {
      if (!isTransitionRefused(error)) throw error;
      // Refused because the campaign already finished: an earlier start went through but its answer was lost
      // (timeout), and the platform dialled everybody meanwhile. Record it as running: the sync reads its
      // records out and finishes it. Anything else refused stays an error.
      const detail = await this.gateway.getCampaignDetail({ campaignId, cursor: callTask.detailCursor, limit: 1 });
      if (detail.status !== RemoteCampaignStatus.Finished) throw error;
      this.logger.warn(`campaign ${campaignId} of task ${task.id} had already run to its end; recording it as started`);
    }
    failpoint('launch.after-start');

    const stillWanted = await this.tx.run(async (manager) => {
      await this.tasks.lock(manager, task.id);
      const moved = await this.tasks.updateCallTask(manager, callTaskId, [CallTaskStatus.New, CallTaskStatus.Paused], {
        status: CallTaskStatus.InProgress,
      });
      const current = await this.tasks.findCallTask(callTaskId, manager);
      if (!moved && current?.status !== CallTaskStatus.InProgress) return false; // cancelled meanwhile
      await this.tasks.transition(manager, task.id, [TaskStatus.Starting, TaskStatus.Paused, TaskStatus.NotStarted], {
        status: TaskStatus.InProgress,
        pauseReason: null,
        startedAt: task.startedAt ?? this.clock.now(),
      });
      return true;
    });
    failpoint('launch.after-running');
    if (!stillWanted) {
      // A cancel won the race after we started the campaign: nobody may be called for a cancelled task.
      await this.gateway.changeCampaignStatus(campaignId, 'stop');
    }
  }

  /** Returns the campaign id for a call task, creating the campaign remotely if needed (idempotent by request id). */
  async ensureRemote(callTaskId: string): Promise<string | null> {
    const callTask = await this.tasks.findCallTask(callTaskId);
    if (!callTask) return null;
    if (callTask.campaignId) return callTask.campaignId;
    const task = await this.tasks.findById(callTask.taskId);
    return task ? this.createRemote(task, callTask) : null;
  }

  private async createRemote(task: TaskEntity, callTask: CallTaskEntity): Promise<string> {
    const batch = await this.contacts.findByCallTask(callTask.id);
    failpoint('launch.before-create');
    const created = await this.gateway.addCampaign({
      requestId: callTask.requestId,
      name: `ai-visitor task ${task.id} batch ${callTask.batchNo}`,
      scriptId: task.scriptId,
      contacts: batch.map((c) => ({ ref: String(c.id), phone: c.phone, ...(c.name ? { name: c.name } : {}) })),
    });
    failpoint('launch.after-create');
    await this.tx.run(async (manager) => {
      await manager.getRepository(CallTaskEntity).update(
        { id: callTask.id, campaignId: IsNull() },
        { campaignId: created.campaignId },
      );
    });
    failpoint('launch.after-campaign-id');
    if (created.status === RemoteCampaignStatus.Finished) {
      this.logger.warn(`campaign ${created.campaignId} of task ${task.id} is already finished remotely`);
    }
    return created.campaignId;
  }
}
