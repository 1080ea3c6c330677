import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { EventOutbox, NewEvent } from '@app/events';
import { ContactRepository, WithdrawalTarget } from '../repositories/contact.repository';
import { TaskRepository } from '../repositories/task.repository';
import { ContactStatus } from '../domain/statuses';

/** The task a withdrawal belongs to, as its events name it. */
export interface WithdrawalTask {
  id: string;
  firmId: string;
}

/**
 * Withdrawing contacts (issue 22, item 3): the one place a contact becomes skipped `withdrawn` and its
 * `contact.withdrawn` event is written, in the caller's transaction under the task's lock. At once for a contact no
 * campaign holds (WithdrawContacts); for one a running campaign held when it was withdrawn (`withdraw_pending`, the
 * intent), by the sync once that campaign is done with it: its result stored (RecordIngestor) or the campaign closed
 * without one (SyncTask, CampaignLauncher.closeNeverCreated). A result it already had is kept.
 */
@Injectable()
export class ContactWithdrawals {
  constructor(
    private readonly contacts: ContactRepository,
    private readonly tasks: TaskRepository,
    private readonly outbox: EventOutbox,
  ) {}

  /** Withdraws now those of `targets` that are waiting or done (not in a campaign, not skipped); returns them. */
  async now(manager: EntityManager, task: WithdrawalTask, targets: readonly WithdrawalTarget[]): Promise<string[]> {
    const movable = targets.filter((t) => t.status === ContactStatus.Waiting || t.status === ContactStatus.Done);
    if (movable.length === 0) return [];
    await this.contacts.withdraw(
      manager,
      movable.map((t) => t.id),
      'now',
    );
    await this.announce(manager, task, movable, false);
    return movable.map((t) => t.id);
  }

  /**
   * Completes the withdrawals a campaign held: the contacts of `callTaskId` marked `withdraw_pending`, among `ids`
   * (whose results were just stored) or, without `ids`, those still waiting in it for a result (the campaign is being
   * closed). Each becomes skipped `withdrawn` with the result it has.
   */
  async afterCampaign(
    manager: EntityManager,
    task: WithdrawalTask,
    callTaskId: string,
    ids?: readonly string[],
  ): Promise<number> {
    if (ids && ids.length === 0) return 0;
    const pending = await this.contacts.pendingWithdrawals(manager, callTaskId, ids);
    if (pending.length === 0) return 0;
    await this.contacts.withdraw(
      manager,
      pending.map((t) => t.id),
      'pending',
    );
    await this.announce(manager, task, pending, true);
    return pending.length;
  }

  /** One `contact.withdrawn` per contact withdrawn, each with the task's next `sequence`. */
  private async announce(
    manager: EntityManager,
    task: WithdrawalTask,
    withdrawn: readonly WithdrawalTarget[],
    afterCampaign: boolean,
  ): Promise<void> {
    const taskId = String(task.id);
    const first = await this.tasks.allocateEventSequences(manager, taskId, withdrawn.length);
    const events: NewEvent[] = withdrawn.map((c, i) => ({
      type: 'contact.withdrawn',
      firmId: String(task.firmId),
      taskId,
      contactId: c.id,
      sequence: first + i,
      data: {
        taskId,
        contactId: c.id,
        candidateRef: c.candidateRef,
        phone: c.phoneMasked,
        afterCampaign,
        attempts: c.attempts,
        callResult: c.callResult,
        intention: c.intensionResult,
        // An erased candidate (a withdrawal after the erasure) is written as erased, as its other events are.
        ...(c.phoneMasked === null ? { erased: true } : {}),
      },
    }));
    await this.outbox.append(manager, events);
  }
}
