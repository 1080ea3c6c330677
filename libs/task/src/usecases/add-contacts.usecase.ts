import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '@app/database';
import { TaskAccess } from '../domain/task-access';
import { ContactInput } from '../domain/contact-intake';
import { FINISHED_TASK_STATUSES, TaskStatus } from '../domain/statuses';
import { TaskRepository } from '../repositories/task.repository';
import { ContactIntake, IntakeReport } from '../contact-intake.service';
import { TaskFinishedError } from '../errors/task-errors';

export interface AddContactsCommand {
  access: TaskAccess;
  contacts: ContactInput[];
}

export type AddContactsResult = IntakeReport;

/** Adds contacts in bulk; a running task picks them up in its next campaign. */
@Injectable()
export class AddContacts {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly tasks: TaskRepository,
    private readonly intake: ContactIntake,
  ) {}

  async execute(command: AddContactsCommand): Promise<AddContactsResult> {
    return this.tx.run(async (manager) => {
      const task = await this.tasks.lockGranted(manager, command.access);
      if (FINISHED_TASK_STATUSES.includes(task.status)) {
        throw new TaskFinishedError(task.id, TaskStatus[task.status].toLowerCase());
      }
      const result = await this.intake.take(manager, task, command.contacts, { newTask: false });
      // New contacts may be due now: the sync looks at the task again (syncAfter).
      if (task.syncAfter) await this.tasks.syncAfter(manager, task.id, null);
      return result;
    });
  }
}
