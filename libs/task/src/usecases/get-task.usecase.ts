import { Injectable } from '@nestjs/common';
import { Clock } from '@app/core';
import { TransactionRunner } from '@app/database';
import { FirmBotService } from '@app/firm-bot-quota';
import { TaskRepository } from '../repositories/task.repository';
import { ContactRepository } from '../repositories/contact.repository';
import { toTaskView, TaskView } from '../task.view';
import { whyWaiting } from '../domain/waiting';
import { taskCallWindow } from '../domain/task-window';
import { TaskAccess } from '../domain/task-access';
import { TaskNotFoundError } from '../errors/task-errors';
import { TaskEntity } from '../entities/task.entity';
import { CallTaskEntity } from '../entities/call-task.entity';

export interface GetTaskQuery {
  access: TaskAccess;
}

/** The task as it is now, with its active campaign and what it waits for. */
@Injectable()
export class GetTask {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly tasks: TaskRepository,
    private readonly contacts: ContactRepository,
    private readonly clock: Clock,
    private readonly firmBot: FirmBotService,
  ) {}

  async execute({ access }: GetTaskQuery): Promise<TaskView> {
    const task = await this.tasks.findById(this.tx.autocommit, access.taskId);
    if (!task) throw new TaskNotFoundError(access.taskId);
    return this.view(task, await this.tasks.findActiveCallTask(this.tx.autocommit, task.id));
  }

  /** The task as the API shows it, with what it waits for when it has no campaign running. */
  async view(task: TaskEntity, active: CallTaskEntity | null): Promise<TaskView> {
    const waiting = await whyWaiting({
      status: task.status,
      pauseReason: task.pauseReason,
      window: taskCallWindow(task),
      activeCampaign: active?.status ?? null,
      nextDue: () => this.contacts.nextDue(this.tx.autocommit, task.id),
      startAt: task.startAt,
      botUsable: async () => (await this.firmBot.isUsable(this.tx.autocommit, task.firmId)).usable,
      now: this.clock.now(),
    });
    return toTaskView(task, active, waiting);
  }
}
