import { Injectable } from '@nestjs/common';
import { Caller } from '@app/core';
import { TransactionRunner } from '@app/database';
import { TaskRepository } from '../repositories/task.repository';
import { grantAccess, TaskAccess } from '../domain/task-access';

/** The one ownership check: the task exists in the caller's firm and belongs to the caller's account (one read). */
@Injectable()
export class AuthorizeTaskAccess {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly tasks: TaskRepository,
  ) {}

  async execute(caller: Caller, taskId: string): Promise<TaskAccess> {
    return grantAccess(await this.tasks.ownerOf(this.tx.autocommit, taskId), taskId, caller);
  }
}
