import { Injectable } from '@nestjs/common';
import { Clock } from '@app/core';
import { assertOwnedBy, Caller } from '../domain/caller';
import { TaskRepository } from '../repositories/task.repository';
import { ContactRepository } from '../repositories/contact.repository';
import { toTaskView, TaskView } from '../task.view';
import { whyWaiting } from '../domain/waiting';
import { taskCallWindow } from '../domain/task-window';
import { TaskEntity } from '../entities/task.entity';
import { CallTaskEntity } from '../entities/call-task.entity';

export interface GetTaskQuery {
  caller: Caller;
  taskId: string;
}

@Injectable()
export class GetTask {
  constructor(
    private readonly tasks: TaskRepository,
    private readonly contacts: ContactRepository,
    private readonly clock: Clock,
  ) {}

  async execute(query: GetTaskQuery): Promise<TaskView> {
    const task = assertOwnedBy(await this.tasks.findById(query.taskId), query.taskId, query.caller);
    return this.view(task, await this.tasks.findActiveCallTask(undefined, task.id));
  }

  /** The task as the API shows it, with what it waits for when it has no campaign running. */
  async view(task: TaskEntity, active: CallTaskEntity | null): Promise<TaskView> {
    const waiting = await whyWaiting({
      status: task.status,
      pauseReason: task.pauseReason,
      window: taskCallWindow(task),
      activeCampaign: active?.status ?? null,
      nextDue: () => this.contacts.nextDue(task.id),
      now: this.clock.now(),
    });
    return toTaskView(task, active, waiting);
  }
}
