import { Injectable } from '@nestjs/common';
import { Caller } from '@app/core';
import { TransactionRunner } from '@app/database';
import { TaskStatus } from '../domain/statuses';
import { TaskRepository } from '../repositories/task.repository';
import { Page, TaskView } from '../task.view';
import { GetTask } from './get-task.usecase';

export interface ListTasksQuery {
  caller: Caller;
  status?: TaskStatus;
  page: number;
  pageSize: number;
}

/** The calling account's own tasks, newest first, each with its active campaign and what it waits for. */
@Injectable()
export class ListTasks {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly tasks: TaskRepository,
    private readonly getTask: GetTask,
  ) {}

  async execute(query: ListTasksQuery): Promise<Page<TaskView>> {
    const { items, total } = await this.tasks.list(this.tx.autocommit, { ...query.caller, ...query });
    const active = await this.tasks.findActiveCallTasks(
      this.tx.autocommit,
      items.map((t) => t.id),
    );
    const views = await Promise.all(items.map((t) => this.getTask.view(t, active.get(String(t.id)) ?? null)));
    return { items: views, total, page: query.page, pageSize: query.pageSize };
  }
}
