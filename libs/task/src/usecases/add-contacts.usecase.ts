import { maskPhone } from '@app/core';
import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '@app/database';
import { assertOwnedBy, Caller } from '../domain/caller';
import { ContactInput, RejectedContact, screenContacts } from '../domain/contact-intake';
import { FINISHED_TASK_STATUSES, TaskStatus } from '../domain/statuses';
import { TaskRepository } from '../repositories/task.repository';
import { ContactRepository } from '../repositories/contact.repository';
import { TaskFinishedError } from '../errors/task-errors';

export interface AddContactsCommand {
  caller: Caller;
  taskId: string;
  contacts: ContactInput[];
}

export interface AddContactsResult {
  added: number;
  rejected: RejectedContact[];
}

/** Adds contacts in bulk; a running task picks them up in its next campaign. */
@Injectable()
export class AddContacts {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly tasks: TaskRepository,
    private readonly contacts: ContactRepository,
  ) {}

  async execute(command: AddContactsCommand): Promise<AddContactsResult> {
    const screened = screenContacts(command.contacts);
    return this.tx.run(async (manager) => {
      const task = assertOwnedBy(await this.tasks.lock(manager, command.taskId), command.taskId, command.caller);
      if (FINISHED_TASK_STATUSES.includes(task.status)) {
        throw new TaskFinishedError(task.id, TaskStatus[task.status].toLowerCase());
      }
      const existing = await this.contacts.existingPhones(
        manager,
        task.id,
        screened.accepted.map((c) => c.phone),
      );
      const fresh = screened.accepted.filter((c) => !existing.has(c.phone));
      const rejected: RejectedContact[] = [
        ...screened.rejected,
        ...screened.accepted
          .filter((c) => existing.has(c.phone))
          .map((c) => ({ index: c.index, phone: maskPhone(c.phone), candidateRef: c.candidateRef, reason: 'already_in_task' as const })),
      ].sort((a, b) => a.index - b.index);
      await this.contacts.insertMany(manager, task.id, fresh);
      return { added: fresh.length, rejected };
    });
  }
}
