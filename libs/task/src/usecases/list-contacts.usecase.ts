import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '@app/database';
import { TaskAccess } from '../domain/task-access';
import { ContactListQuery, ContactRepository } from '../repositories/contact.repository';
import { ContactView, Page, toContactView } from '../task.view';

/** A page of a task's contacts, filtered by status, call result or intention. */
export interface ListContactsQuery extends Omit<ContactListQuery, 'taskId'> {
  access: TaskAccess;
}

/** A task's contacts with their results; numbers masked. */
@Injectable()
export class ListContacts {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly contacts: ContactRepository,
  ) {}

  async execute({ access, ...query }: ListContactsQuery): Promise<Page<ContactView>> {
    const { items, total } = await this.contacts.list(this.tx.autocommit, { ...query, taskId: access.taskId });
    return { items: items.map(toContactView), total, page: query.page, pageSize: query.pageSize };
  }
}
