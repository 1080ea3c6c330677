import { Injectable } from '@nestjs/common';
import { assertOwnedBy, Caller } from '../domain/caller';
import { CallResult, ContactStatus, Intention } from '../domain/statuses';
import { TaskRepository } from '../repositories/task.repository';
import { ContactRepository } from '../repositories/contact.repository';
import { ContactView, Page, toContactView } from '../task.view';

export interface ListContactsQuery {
  caller: Caller;
  taskId: string;
  status?: ContactStatus;
  callResult?: CallResult;
  intention?: Intention;
  page: number;
  pageSize: number;
}

/** A task's contacts with their results; numbers masked. */
@Injectable()
export class ListContacts {
  constructor(
    private readonly tasks: TaskRepository,
    private readonly contacts: ContactRepository,
  ) {}

  async execute(query: ListContactsQuery): Promise<Page<ContactView>> {
    assertOwnedBy(await this.tasks.findById(query.taskId), query.taskId, query.caller);
    const { items, total } = await this.contacts.list(query);
    return { items: items.map(toContactView), total, page: query.page, pageSize: query.pageSize };
  }
}
