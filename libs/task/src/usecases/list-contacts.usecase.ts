import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '@app/database';
import { TaskAccess } from '../domain/task-access';
import { ContactListQuery, ContactRepository } from '../repositories/contact.repository';
import { CallConversationRepository } from '../repositories/call-conversation.repository';
import { ContactView, Page, toContactView } from '../task.view';

/** A page of a task's contacts, filtered by status, call result or intention. */
export interface ListContactsQuery extends Omit<ContactListQuery, 'taskId'> {
  access: TaskAccess;
}

/** A task's contacts with their results and their last call's summary; numbers masked. */
@Injectable()
export class ListContacts {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly contacts: ContactRepository,
    private readonly conversations: CallConversationRepository,
  ) {}

  async execute({ access, ...query }: ListContactsQuery): Promise<Page<ContactView>> {
    const { items, total } = await this.contacts.list(this.tx.autocommit, { ...query, taskId: access.taskId });
    const summaries = await this.conversations.lastSummaries(
      this.tx.autocommit,
      items.map((c) => String(c.id)),
    );
    return {
      items: items.map((c) => toContactView(c, summaries.get(String(c.id)) ?? null)),
      total,
      page: query.page,
      pageSize: query.pageSize,
    };
  }
}
