import { Injectable } from '@nestjs/common';
import { assertOwnedBy, Caller } from '../domain/caller';
import { TaskRepository } from '../repositories/task.repository';
import { toTaskView, TaskView } from '../task.view';

export interface GetTaskQuery {
  caller: Caller;
  taskId: string;
}

@Injectable()
export class GetTask {
  constructor(private readonly tasks: TaskRepository) {}

  async execute(query: GetTaskQuery): Promise<TaskView> {
    const task = assertOwnedBy(await this.tasks.findById(query.taskId), query.taskId, query.caller);
    return toTaskView(task, await this.tasks.findActiveCallTask(undefined, task.id));
  }
}
