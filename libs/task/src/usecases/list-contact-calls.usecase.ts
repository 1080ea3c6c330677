import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '@app/database';
import { TaskAccess } from '../domain/task-access';
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
 * is CONTACT_NOT_FOUND, whichever task it belongs to. One read: the contact by its key, its records by their contact
 * index, their conversations by key (CallConversationRepository.historyInTask).
 */
@Injectable()
export class ListContactCalls {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly conversations: CallConversationRepository,
  ) {}

  async execute({ access, contactId }: ListContactCallsQuery): Promise<ContactCallsView> {
    const manager = this.tx.autocommit;
    const history = await this.conversations.historyInTask(manager, access.taskId, contactId);
    if (history === null) throw new ContactNotFoundError(access.taskId, contactId);
    const { erased, calls } = history;
    return {
      contactId,
      erased,
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
