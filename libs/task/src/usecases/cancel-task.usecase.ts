import { Injectable } from '@nestjs/common';
import { Clock } from '@app/core';
import { TransactionRunner } from '@app/database';
import { CampaignGatewayClient } from '@app/campaign-gateway';
import { FirmBotService } from '@app/firm-bot-quota';
import { assertOwnedBy, Caller } from '../domain/caller';
import { ACTIVE_CALL_TASK_STATUSES, CallTaskStatus, FINISHED_TASK_STATUSES, TaskStatus } from '../domain/statuses';
import { TaskRepository } from '../repositories/task.repository';
import { ContactRepository } from '../repositories/contact.repository';
import { CampaignLauncher } from '../campaign-launcher';
import { TaskFinishedError } from '../errors/task-errors';
import { TaskView } from '../task.view';
import { GetTask } from './get-task.usecase';

export interface CancelTaskCommand {
  caller: Caller;
  taskId: string;
}

/**
 * Ends a task for good (status 6): its remote campaign is stopped first, so nobody is called after the
 * recruiter cancelled; contacts not yet called are kept as skipped ("cancelled"). A task that never started
 * gives its quota slot back.
 */
@Injectable()
export class CancelTask {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly tasks: TaskRepository,
    private readonly contacts: ContactRepository,
    private readonly launcher: CampaignLauncher,
    private readonly gateway: CampaignGatewayClient,
    private readonly firmBot: FirmBotService,
    private readonly clock: Clock,
    private readonly getTask: GetTask,
  ) {}

  async execute(command: CancelTaskCommand): Promise<TaskView> {
    const active = await this.tx.run(async (manager) => {
      const task = assertOwnedBy(await this.tasks.lock(manager, command.taskId), command.taskId, command.caller);
      if (FINISHED_TASK_STATUSES.includes(task.status)) {
        throw new TaskFinishedError(task.id, TaskStatus[task.status].toLowerCase());
      }
      return this.tasks.findActiveCallTask(manager, task.id);
    });

    if (active) {
      // A campaign whose creation was never confirmed may exist remotely: the same request id finds it.
      const campaignId = await this.launcher.ensureRemote(active.id);
      if (campaignId) await this.gateway.changeCampaignStatus(campaignId, 'stop');
    }

    await this.tx.run(async (manager) => {
      const task = await this.tasks.lock(manager, command.taskId);
      if (!task || FINISHED_TASK_STATUSES.includes(task.status)) return;
      const now = this.clock.now();
      const current = await this.tasks.findActiveCallTask(manager, task.id);
      if (current) {
        await this.tasks.updateCallTask(manager, current.id, ACTIVE_CALL_TASK_STATUSES, {
          status: CallTaskStatus.Finished,
          finishedAt: now,
        });
      }
      await this.contacts.skipUnfinished(manager, task.id, 'cancelled');
      await this.tasks.transition(manager, task.id, [task.status], { status: TaskStatus.Cancelled, finishedAt: now });
      if (!task.startedAt) await this.firmBot.releaseTaskSlot(task.firmId, manager);
    });
    return this.getTask.execute(command);
  }
}
