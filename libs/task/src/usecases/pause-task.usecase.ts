import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '@app/database';
import { CampaignGatewayClient } from '@app/campaign-gateway';
import { assertOwnedBy, Caller } from '../domain/caller';
import { CallTaskStatus, FINISHED_TASK_STATUSES, PauseReason, TaskStatus } from '../domain/statuses';
import { isTransitionRefused } from '../domain/remote-refusal';
import { TaskRepository } from '../repositories/task.repository';
import { TaskFinishedError, TaskNotRunningError } from '../errors/task-errors';
import { TaskView } from '../task.view';
import { GetTask } from './get-task.usecase';

export interface PauseTaskCommand {
  caller: Caller;
  taskId: string;
}

/**
 * SPEC §3 "pause task" with the review's slip fixed: the call task becomes 2 (paused) and the task 4 (paused).
 * A task without a campaign in progress is refused with TASK_NOT_RUNNING.
 */
@Injectable()
export class PauseTask {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly tasks: TaskRepository,
    private readonly gateway: CampaignGatewayClient,
    private readonly getTask: GetTask,
  ) {}

  async execute(command: PauseTaskCommand): Promise<TaskView> {
    const running = await this.tx.run(async (manager) => {
      const task = assertOwnedBy(await this.tasks.lock(manager, command.taskId), command.taskId, command.caller);
      if (FINISHED_TASK_STATUSES.includes(task.status)) {
        throw new TaskFinishedError(task.id, TaskStatus[task.status].toLowerCase());
      }
      if (task.status === TaskStatus.Paused && task.pauseReason !== PauseReason.Recruiter) {
        // Paused by the system (window closed, BOT expired): the recruiter's pause takes over, so nothing
        // resumes it but the recruiter.
        await this.tasks.transition(manager, task.id, [TaskStatus.Paused], { pauseReason: PauseReason.Recruiter });
        return null;
      }
      const active = await this.tasks.findActiveCallTask(manager, task.id);
      if (!active || active.status !== CallTaskStatus.InProgress || !active.campaignId) {
        throw new TaskNotRunningError(task.id);
      }
      return active;
    });
    if (!running) return this.getTask.execute(command);

    const remotelyPaused = await this.pauseRemote(running.campaignId!);

    await this.tx.run(async (manager) => {
      await this.tasks.lock(manager, command.taskId);
      if (remotelyPaused) {
        await this.tasks.updateCallTask(manager, running.id, [CallTaskStatus.InProgress], { status: CallTaskStatus.Paused });
      }
      await this.tasks.transition(manager, command.taskId, [TaskStatus.InProgress], {
        status: TaskStatus.Paused,
        pauseReason: PauseReason.Recruiter,
      });
    });
    return this.getTask.execute(command);
  }

  /**
   * False when the campaign had already finished remotely (its last calls ended before the pause arrived):
   * the task is still paused, and the sync reads the finished campaign out without opening the next one.
   */
  private async pauseRemote(campaignId: string): Promise<boolean> {
    try {
      await this.gateway.changeCampaignStatus(campaignId, 'pause');
      return true;
    } catch (error) {
      if (isTransitionRefused(error)) return false;
      throw error;
    }
  }
}
