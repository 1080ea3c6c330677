import { Injectable } from '@nestjs/common';
import { Caller, RecentlyUsed } from '@app/core';
import { TransactionRunner } from '@app/database';
import { TaskRepository } from '../repositories/task.repository';
import { grantAccess, TaskAccess } from '../domain/task-access';
import { TaskEntity } from '../entities/task.entity';

type Owner = Pick<TaskEntity, 'firmId' | 'accountId'>;

/** Who asks, and for which task. */
export interface AuthorizeTaskAccessCommand {
  caller: Caller;
  taskId: string;
}

/**
 * The one ownership check: the task exists in the caller's firm and belongs to the caller's account.
 *
 * A task's firm and account are set at its creation and never change, and tasks are never deleted, so an owner
 * once read stays true for the life of the process: it is remembered (the least recently used forgotten beyond
 * `REMEMBERED`) and the check reads the database once per task, not once per request. That read was half of
 * the statements of `GET /tasks/:id/stats`, the API's hottest read (bench/README.md, "API"). A task not found is
 * never remembered: it may be created next.
 */
@Injectable()
export class AuthorizeTaskAccess {
  /** Tasks whose owner a process remembers: a few hundred bytes each, so a few MB at most. */
  static readonly REMEMBERED = 10_000;

  private readonly owners = new RecentlyUsed<string, Owner>(AuthorizeTaskAccess.REMEMBERED);

  constructor(
    private readonly tx: TransactionRunner,
    private readonly tasks: TaskRepository,
  ) {}

  async execute({ caller, taskId }: AuthorizeTaskAccessCommand): Promise<TaskAccess> {
    return grantAccess(this.owners.get(taskId) ?? (await this.read(taskId)), taskId, caller);
  }

  private async read(taskId: string): Promise<Owner | null> {
    const row = await this.tasks.ownerOf(this.tx.autocommit, taskId);
    if (!row) return null;
    const owner = { firmId: String(row.firmId), accountId: String(row.accountId) };
    this.owners.set(taskId, owner);
    return owner;
  }
}
