import { Injectable } from '@nestjs/common';
import { Caller } from '../domain/caller';
import { TaskStatus } from '../domain/statuses';
import { TaskRepository } from '../repositories/task.repository';
import { Page, toTaskView, TaskView } from '../task.view';

export interface ListTasksQuery {
  caller: Caller;
  status?: TaskStatus;
  page: number;
  pageSize: number;
}

/** The calling account's own tasks, newest first. */
@Injectable()
export class ListTasks {
  constructor(private readonly tasks: TaskRepository) {}

  async execute(query: ListTasksQuery): Promise<Page<TaskView>> {
    const { items, total } = await this.tasks.list({ ...query.caller, ...query });
    return { items: items.map((t) => toTaskView(t)), total, page: query.page, pageSize: query.pageSize };
  }
}
