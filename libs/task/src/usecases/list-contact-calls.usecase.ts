import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '@app/database';
import { TaskAccess } from '../domain/task-access';
import { ContactRepository } from '../repositories/contact.repository';
import { CallConversationRepository } from '../repositories/call-conversation.repository';
import { ContactNotFoundError } from '../errors/task-errors';
import { CallView, ContactCallsView } from '../task.view';

/** One contact's calls: the task (granted) and the contact's id. */
export interface ListContactCallsQuery {
  access: TaskAccess;
  contactId: string;
}

/**
 * A contact's call history, newest first: every attempt the platform reported, its outcome and what the candidate
 * said (summary, transcript, recording link; opened from their sealed columns). A contact that is not the task's
 * is CONTACT_NOT_FOUND, whichever task it belongs to. Two reads, both by key.
 */
@Injectable()
export class ListContactCalls {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly contacts: ContactRepository,
    private readonly conversations: CallConversationRepository,
  ) {}

  async execute({ access, contactId }: ListContactCallsQuery): Promise<ContactCallsView> {
    const manager = this.tx.autocommit;
    if (!(await this.contacts.inTask(manager, access.taskId, contactId)))
      throw new ContactNotFoundError(access.taskId, contactId);
    const calls = await this.conversations.history(manager, contactId);
    return {
      contactId,
      items: calls.map((c): CallView => ({
        recordId: c.recordId,
        callResult: c.callResult,
        intention: c.intention,
        durationSec: c.durationSec,
        calledAt: c.calledAt.toISOString(),
        failReason: c.failReason,
        summary: c.summary,
        transcript: c.transcript,
        recordingUrl: c.recordingUrl,
      })),
    };
  }
}
