import { Injectable, Logger } from '@nestjs/common';
import { TransactionRunner } from '@app/database';
import { maskPhonesInText } from '@app/core';
import { TaskAccess } from '../domain/task-access';
import { FINISHED_TASK_STATUSES, PauseReason, TaskStatus } from '../domain/statuses';
import { TaskRepository } from '../repositories/task.repository';
import { CampaignLauncher } from '../sync';
import { TaskFinishedError, TaskNotRunningError } from '../errors/task-errors';
import { TaskView } from '../task.view';
import { GetTask } from './get-task.usecase';

export interface PauseTaskCommand {
  access: TaskAccess;
}

/**
 * SPEC §3 "pause task" with the review's slip fixed: the task becomes 4 (`recruiter`) and its campaign 2. Accepted
 * whenever the task has been started and is not finished or already paused by its recruiter: with a campaign
 * running, between campaigns, while starting, or paused by the system (the recruiter's pause then takes over,
 * and only their start resumes it). The pause is recorded first, then the campaign is paused remotely; if the
 * platform cannot be reached the pause stands and the worker's next pass pauses the campaign.
 */
@Injectable()
export class PauseTask {
  private readonly logger = new Logger(PauseTask.name);

  constructor(
    private readonly tx: TransactionRunner,
    private readonly tasks: TaskRepository,
    private readonly launcher: CampaignLauncher,
    private readonly getTask: GetTask,
  ) {}

  async execute(command: PauseTaskCommand): Promise<TaskView> {
    const active = await this.tx.run(async (manager) => {
      const task = await this.tasks.lockGranted(manager, command.access);
      if (FINISHED_TASK_STATUSES.includes(task.status)) {
        throw new TaskFinishedError(task.id, TaskStatus[task.status].toLowerCase());
      }
      if (
        task.status === TaskStatus.NotStarted ||
        (task.status === TaskStatus.Paused && task.pauseReason === PauseReason.Recruiter)
      ) {
        throw new TaskNotRunningError(task.id);
      }
      await this.tasks.transition(manager, task, [task.status], {
        status: TaskStatus.Paused,
        pauseReason: PauseReason.Recruiter,
      });
      return this.tasks.findActiveCallTask(manager, task.id);
    });
    if (active) {
      await this.launcher.drive(active.id).catch((error: Error) => {
        this.logger.warn(
          `task ${command.access.taskId} paused; its campaign will be paused by the next sync: ${maskPhonesInText(error.message)}`,
        );
      });
    }
    return this.getTask.execute(command);
  }
}
