import { Injectable, Logger } from '@nestjs/common';
import { Clock, maskPhonesInText } from '@app/core';
import { TransactionRunner } from '@app/database';
import { FirmBotService } from '@app/firm-bot-quota';
import { TaskAccess } from '../domain/task-access';
import { FINISHED_TASK_STATUSES, TaskStatus } from '../domain/statuses';
import { TaskRepository } from '../repositories/task.repository';
import { ContactRepository } from '../repositories/contact.repository';
import { CampaignLauncher } from '../sync';
import { TaskFinishedError } from '../errors/task-errors';
import { TaskView } from '../task.view';
import { GetTask } from './get-task.usecase';

export interface CancelTaskCommand {
  access: TaskAccess;
}

/**
 * Ends a task for good (status 6). Under the lock: the task is cancelled (the intent: its campaign stops),
 * contacts waiting are closed (skipped `cancelled`, or done if called before), a campaign the platform never
 * created is closed without creating it. Then the running campaign is stopped remotely; the worker reads it to
 * its last record, so every call already made reaches its contact, the statistics and the export. A task that
 * whose campaigns the platform never created (nobody can have been dialled) gives its quota slot back.
 */
@Injectable()
export class CancelTask {
  private readonly logger = new Logger(CancelTask.name);

  constructor(
    private readonly tx: TransactionRunner,
    private readonly tasks: TaskRepository,
    private readonly contacts: ContactRepository,
    private readonly launcher: CampaignLauncher,
    private readonly firmBot: FirmBotService,
    private readonly clock: Clock,
    private readonly getTask: GetTask,
  ) {}

  async execute(command: CancelTaskCommand): Promise<TaskView> {
    const toStop = await this.tx.run(async (manager) => {
      const task = await this.tasks.lockGranted(manager, command.access);
      if (FINISHED_TASK_STATUSES.includes(task.status)) {
        throw new TaskFinishedError(task.id, TaskStatus[task.status].toLowerCase());
      }
      const mayHaveDialled = await this.tasks.hasRemoteCampaigns(manager, task.id);
      // A scheduled task cancelled before its time: the schedule goes with it (task.cancelled says so).
      if (task.status === TaskStatus.NotStarted && task.startAt) await this.tasks.setStartAt(manager, task, null, null);
      await this.tasks.transition(manager, task, [task.status], {
        status: TaskStatus.Cancelled,
        pauseReason: null,
        finishedAt: this.clock.now(),
      });
      await this.contacts.closeForCancel(manager, task.id, null);
      const active = await this.tasks.findActiveCallTask(manager, task.id);
      if (!mayHaveDialled) await this.firmBot.releaseTaskSlot(manager, task.firmId);
      if (active && !active.campaignId) {
        await this.launcher.closeNeverCreated(manager, task, active.id);
        return null;
      }
      return active;
    });
    if (toStop) {
      await this.launcher.drive(toStop.id).catch((error: Error) => {
        this.logger.warn(
          `task ${command.access.taskId} cancelled; its campaign will be stopped by the next sync: ${maskPhonesInText(error.message)}`,
        );
      });
    }
    return this.getTask.execute(command);
  }
}
