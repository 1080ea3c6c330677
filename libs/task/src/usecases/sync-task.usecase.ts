import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { Clock, failpoint } from '@app/core';
import { TransactionRunner } from '@app/database';
import { CampaignGatewayClient, RemoteCampaignStatus } from '@app/campaign-gateway';
import { FirmBotService } from '@app/firm-bot-quota';
import { EntityManager } from 'typeorm';
import { CallTaskStatus, PauseReason, TaskStatus } from '../domain/statuses';
import { TaskRepository } from '../repositories/task.repository';
import { ContactRepository, IncomingRecord } from '../repositories/contact.repository';
import { CampaignLauncher } from '../campaign-launcher';
import { isTransitionRefused } from '../domain/remote-refusal';
import { isWindowOpen } from '../domain/call-window';
import { taskCallWindow } from '../domain/task-window';
import { RecordIngestor } from '../record-ingestor';
import { CallTaskEntity } from '../entities/call-task.entity';
import { TaskEntity } from '../entities/task.entity';
import { TASK_SETTINGS, TaskSettings } from '../task.settings';
import { SyncMetrics } from '../sync-metrics';
import { pagingStall } from '../domain/paging';
import { characters, cursorFits, DETAIL_CURSOR_LENGTH } from '../domain/wire-fit';

export interface SyncTaskOutcome {
  taskId: string;
  recordsStored: number;
  action: 'none' | 'confirmed' | 'ingested' | 'next_campaign' | 'completed' | 'suspended' | 'resumed';
}

/**
 * SPEC §3 "sync" for one task: confirm a campaign whose start was not confirmed, read the active campaign's
 * new records page by page from the stored cursor, store each once and move their contacts on; when the
 * campaign is finished, open the next one or complete the task. A firm whose BOT was closed or expired has
 * its campaign and task paused instead, with the reason.
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
    private readonly clock: Clock,
    @Inject(TASK_SETTINGS) private readonly settings: TaskSettings,
    @Optional() private readonly metrics?: SyncMetrics,
  ) {}

  async execute(taskId: string): Promise<SyncTaskOutcome> {
    const outcome: SyncTaskOutcome = { taskId, recordsStored: 0, action: 'none' };
    const task = await this.tasks.findById(taskId);
    if (!task || ![TaskStatus.Starting, TaskStatus.InProgress, TaskStatus.Paused].includes(task.status)) return outcome;
    let active = await this.tasks.findActiveCallTask(undefined, taskId);
    const windowOpen = isWindowOpen(taskCallWindow(task), this.clock.now());
    // Paused by the system for the window: the worker resumes it. Paused by the recruiter: only they do.
    const waitingForWindow = task.status === TaskStatus.Paused && task.pauseReason === PauseReason.OutsideWindow;

    if (task.status !== TaskStatus.Paused || waitingForWindow) {
      const bot = await this.firmBot.isUsable(task.firmId);
      if (!bot.usable) {
        await this.suspend(task, active, bot.reason as PauseReason);
        return { ...outcome, action: 'suspended' };
      }
    }

    if (task.status === TaskStatus.Starting) {
      if (windowOpen && active && active.status === CallTaskStatus.New) {
        await this.launcher.launch(active.id);
        return { ...outcome, action: 'confirmed' };
      }
      return outcome;
    }

    if (active?.campaignId && [CallTaskStatus.InProgress, CallTaskStatus.Paused].includes(active.status)) {
      const drained = await this.drain(task, active);
      outcome.recordsStored = drained.stored;
      outcome.action = drained.stored > 0 ? 'ingested' : 'none';
      if (!drained.finished) {
        if (!windowOpen && task.status === TaskStatus.InProgress && active.status === CallTaskStatus.InProgress) {
          await this.suspend(task, active, PauseReason.OutsideWindow);
          return { ...outcome, action: 'suspended' };
        }
        if (windowOpen && waitingForWindow) {
          await this.launcher.launch(active.id);
          return { ...outcome, action: 'resumed' };
        }
        if (task.status === TaskStatus.Paused && active.status === CallTaskStatus.InProgress) {
          // A suspend cut off between recording the pause and pausing the campaign: finish it.
          await this.pauseCampaign(task.id, active);
          return { ...outcome, action: 'suspended' };
        }
        return outcome;
      }
      active = null;
    } else if (active) {
      if (windowOpen && waitingForWindow) {
        await this.launcher.launch(active.id);
        return { ...outcome, action: 'resumed' };
      }
      return outcome;
    }

    if (waitingForWindow && windowOpen) await this.resumeWithoutCampaign(taskId);
    else if (task.status !== TaskStatus.InProgress && task.status !== TaskStatus.Paused) return outcome;

    const next = await this.rollOver(taskId);
    if (next === 'completed') {
      failpoint('complete.after-commit');
      return { ...outcome, action: 'completed' };
    }
    if (next) {
      failpoint('prepare.after-commit');
      await this.launcher.launch(next);
      return { ...outcome, action: 'next_campaign' };
    }
    return outcome;
  }

  private async resumeWithoutCampaign(taskId: string): Promise<void> {
    await this.tx.run(async (manager) => {
      await this.tasks.lock(manager, taskId);
      await this.tasks.transition(manager, taskId, [TaskStatus.Paused], { status: TaskStatus.InProgress, pauseReason: null });
    });
  }

  /**
   * Reads every record newer than the stored cursor; each page is stored with its cursor in one transaction.
   * Paging that does not advance stops the reading for this pass, with an error: the page's records are stored.
   */
  private async drain(task: TaskEntity, callTask: CallTaskEntity): Promise<{ stored: number; finished: boolean }> {
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
      const stillActive = await this.tx.run(async (manager) => {
        const locked = (await this.tasks.lock(manager, task.id)) ?? task;
        const current = await this.tasks.findCallTask(callTask.id, manager);
        // Records are stored even for a call task finished meanwhile (they are real calls); the cursor only
        // moves for the call task this pass is reading.
        const result = await this.ingestor.ingest(manager, locked, callTask.id, records);
        stored += result.stored;
        if (page.nextCursor && page.nextCursor !== cursor && storable) {
          await manager.getRepository(CallTaskEntity).update({ id: callTask.id }, { detailCursor: page.nextCursor });
        }
        failpoint('drain.before-commit');
        return current?.status !== CallTaskStatus.Finished;
      });
      failpoint('drain.after-commit');
      if (!stillActive) return { stored, finished: false };
      if (!page.hasMore) {
        const finished = page.status === RemoteCampaignStatus.Finished;
        if (finished) {
          failpoint('finish.before');
          await this.markFinished(task.id, callTask.id);
          failpoint('finish.after-commit');
        }
        return { stored, finished };
      }
      const stall = pagingStall(cursor, page.nextCursor, followed);
      if (stall) {
        this.logger.error(
          `task ${task.id}: campaign ${callTask.campaignId} ${stall} (after cursor ${cursor?.slice(0, DETAIL_CURSOR_LENGTH) ?? 'null'}); ` +
            'its reading stops for this pass, the records of the page are stored',
        );
        this.metrics?.pagingStalled();
        return { stored, finished: false };
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

  private async markFinished(taskId: string, callTaskId: string): Promise<void> {
    await this.tx.run(async (manager) => {
      await this.tasks.lock(manager, taskId);
      const moved = await this.tasks.updateCallTask(
        manager,
        callTaskId,
        [CallTaskStatus.InProgress, CallTaskStatus.Paused],
        { status: CallTaskStatus.Finished, finishedAt: this.clock.now() },
      );
      if (moved) await this.contacts.releaseFromCallTask(manager, callTaskId);
    });
  }

  /** With no campaign active: open the next one if contacts are due, or complete the task if none is left. */
  private async rollOver(taskId: string): Promise<string | 'completed' | null> {
    return this.tx.run(async (manager) => {
      const task = await this.tasks.lock(manager, taskId);
      if (!task) return null;
      if (await this.tasks.findActiveCallTask(manager, taskId)) return null; // another pass got here first
      if (task.status === TaskStatus.InProgress) {
        const next = await this.launcher.prepare(manager, task);
        if (next) return next;
      }
      if (![TaskStatus.InProgress, TaskStatus.Paused].includes(task.status)) return null;
      return (await this.completeIfDone(manager, task)) ? 'completed' : null;
    });
  }

  private async completeIfDone(manager: EntityManager, task: TaskEntity): Promise<boolean> {
    const pending = await this.contacts.countPending(manager, task.id);
    if (pending.waiting > 0 || pending.inCampaign > 0) return false;
    const completed = await this.tasks.transition(manager, task.id, [TaskStatus.InProgress, TaskStatus.Paused], {
      status: TaskStatus.Completed,
      finishedAt: this.clock.now(),
    });
    failpoint('complete.before-commit');
    return completed;
  }

  /**
   * Pauses the task with `reason`, then its running campaign. The pause is recorded first, so a worker killed
   * between the two steps leaves a paused task whose call task still runs: the next sync finishes the pause
   * (pauseCampaign), or resumes the campaign if the window has opened meanwhile. (Pausing the campaign first
   * would leave a remotely paused campaign that the database believes is running, which nothing resumes.)
   */
  private async suspend(task: TaskEntity, active: CallTaskEntity | null, reason: PauseReason): Promise<void> {
    await this.tx.run(async (manager) => {
      await this.tasks.lock(manager, task.id);
      // A recruiter's pause is never overwritten by a system reason.
      const current = await this.tasks.findById(task.id, manager);
      if (current?.status === TaskStatus.Paused && current.pauseReason === PauseReason.Recruiter) return;
      await this.tasks.transition(manager, task.id, [TaskStatus.InProgress, TaskStatus.Starting, TaskStatus.Paused], {
        status: TaskStatus.Paused,
        pauseReason: reason,
      });
    });
    failpoint('suspend.after-pause-recorded');
    await this.pauseCampaign(task.id, active);
    this.logger.log(`task ${task.id} paused: ${reason}`);
  }

  /** Pauses a paused task's campaign that still runs, remotely then locally; idempotent. */
  private async pauseCampaign(taskId: string, active: CallTaskEntity | null): Promise<void> {
    if (!active?.campaignId || active.status !== CallTaskStatus.InProgress) return;
    try {
      await this.gateway.changeCampaignStatus(active.campaignId, 'pause');
    } catch (error) {
      // Already finished remotely: nothing left to pause; the sync of the paused task reads it out.
      if (!isTransitionRefused(error)) throw error;
      return;
    }
    failpoint('suspend.after-remote-pause');
    await this.tx.run(async (manager) => {
      await this.tasks.lock(manager, taskId);
      await this.tasks.updateCallTask(manager, active.id, [CallTaskStatus.InProgress], { status: CallTaskStatus.Paused });
    });
  }
}
