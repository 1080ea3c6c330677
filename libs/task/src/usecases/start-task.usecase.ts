import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '@app/database';
import { FirmBotService } from '@app/firm-bot-quota';
import { assertOwnedBy, Caller } from '../domain/caller';
import { CallTaskStatus, FINISHED_TASK_STATUSES, TaskStatus } from '../domain/statuses';
import { TaskRepository } from '../repositories/task.repository';
import { ContactRepository } from '../repositories/contact.repository';
import { CampaignLauncher } from '../campaign-launcher';
import { NoContactsWaitingError, TaskFinishedError } from '../errors/task-errors';
import { TaskView } from '../task.view';
import { GetTask } from './get-task.usecase';

export interface StartTaskCommand {
  caller: Caller;
  taskId: string;
}

/**
 * SPEC §3 "start task", which also resumes a paused one. Under the task lock it decides what to do and records
 * the intent; the remote calls happen after the lock is released (see CampaignLauncher).
 */
@Injectable()
export class StartTask {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly tasks: TaskRepository,
    private readonly contacts: ContactRepository,
    private readonly launcher: CampaignLauncher,
    private readonly firmBot: FirmBotService,
    private readonly getTask: GetTask,
  ) {}

  async execute(command: StartTaskCommand): Promise<TaskView> {
    const callTaskToLaunch = await this.tx.run(async (manager) => {
      const task = assertOwnedBy(await this.tasks.lock(manager, command.taskId), command.taskId, command.caller);
      if (FINISHED_TASK_STATUSES.includes(task.status)) {
        throw new TaskFinishedError(task.id, TaskStatus[task.status].toLowerCase());
      }
      await this.firmBot.assertUsable(task.firmId, manager);
      const active = await this.tasks.findActiveCallTask(manager, task.id);
      if (active?.status === CallTaskStatus.InProgress) {
        // Already running: a no-op. (A task paused while its campaign had just finished remotely still has
        // that campaign in progress here; resuming it just lets the sync go on.)
        await this.tasks.transition(manager, task.id, [TaskStatus.Paused], { status: TaskStatus.InProgress, pauseReason: null });
        return null;
      }
      if (active) return active.id; // new (maybe never confirmed) or paused: bring it to running
      const prepared = await this.launcher.prepare(manager, task);
      if (prepared) return prepared;
      const pending = await this.contacts.countPending(manager, task.id);
      if (pending.waiting === 0) throw new NoContactsWaitingError(task.id);
      // Contacts wait only for their retry gap: the task runs, and the sync opens the campaign when they are due.
      await this.tasks.transition(manager, task.id, [TaskStatus.NotStarted, TaskStatus.Paused], {
        status: TaskStatus.InProgress,
        pauseReason: null,
      });
      return null;
    });
    if (callTaskToLaunch) await this.launcher.launch(callTaskToLaunch);
    return this.getTask.execute({ caller: command.caller, taskId: command.taskId });
  }
}
