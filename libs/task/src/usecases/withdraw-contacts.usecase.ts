import { Injectable } from '@nestjs/common';
import { maskPhone, normalizePhone } from '@app/core';
import { TransactionRunner } from '@app/database';
import { TaskAccess } from '../domain/task-access';
import { ContactStatus, FINISHED_TASK_STATUSES, TaskStatus } from '../domain/statuses';
import { TaskRepository } from '../repositories/task.repository';
import { ContactRepository, WithdrawalTarget } from '../repositories/contact.repository';
import { ContactPhones } from '../repositories/contact-phones';
import { ContactWithdrawals } from '../sync';
import { InvalidTaskInputError, TaskFinishedError } from '../errors/task-errors';

/** Which contacts to withdraw: by id, or by number; exactly one of the two (VALIDATION_FAILED otherwise). */
export interface WithdrawContactsCommand {
  access: TaskAccess;
  contactIds?: readonly string[];
  phones?: readonly string[];
}

/** A contact a withdrawal names: its id and its number, masked (null once the candidate's data was erased). */
export interface WithdrawnContact {
  contactId: string;
  phone: string | null;
}

/** An entry of the request that names no contact of the task: where it was, and what it said (a number masked). */
export interface NotFoundContact {
  index: number;
  contactId: string | null;
  phone: string | null;
}

export interface WithdrawContactsResult {
  /** Withdrawn now (skipped `withdrawn`), or already not to be called (skipped before, for this or another reason). */
  withdrawn: WithdrawnContact[];
  /** Held by a running campaign, which may still call them: withdrawn when it is done with them (result kept). */
  afterCampaign: WithdrawnContact[];
  notFound: NotFoundContact[];
}

/**
 * Withdraws candidates from a task that is not finished (issue 22, item 3), under the task's lock:
 *  - a contact waiting (not called yet, or waiting for a retry or a callback) or done is skipped `withdrawn` at once,
 *    with `contact.withdrawn`, and never dialled (the launcher takes only waiting contacts);
 *  - a contact a campaign holds may still be called by it (the platform cannot take it out): the intent is recorded
 *    (`withdraw_pending`) and the sync withdraws it when that campaign is done with it: its result stored (kept) or
 *    the campaign closed (ContactWithdrawals);
 *  - a contact skipped already stays as it is (it is not called either way), and is answered as withdrawn.
 * Repeating a withdrawal answers the same and changes nothing.
 */
@Injectable()
export class WithdrawContacts {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly tasks: TaskRepository,
    private readonly contacts: ContactRepository,
    private readonly phones: ContactPhones,
    private readonly withdrawals: ContactWithdrawals,
  ) {}

  async execute(command: WithdrawContactsCommand): Promise<WithdrawContactsResult> {
    if ((command.phones === undefined) === (command.contactIds === undefined)) {
      const error = 'give contactIds or phones, not both';
      throw new InvalidTaskInputError(error, [{ field: 'body', errors: [error] }]);
    }
    const byPhone = command.phones !== undefined;
    const given = (command.phones ?? command.contactIds)!;
    // Each entry as a key to look up (an id, or a number's keyed hash), or null when it cannot name a contact.
    const keys = given.map((entry) => {
      if (!byPhone) return /^[1-9]\d{0,18}$/.test(entry) ? entry : null;
      const normalized = normalizePhone(entry);
      return normalized.ok ? this.phones.hash(normalized.e164) : null;
    });
    const wanted = [...new Set(keys.filter((k): k is string => k !== null))];

    return this.tx.run(async (manager) => {
      const task = await this.tasks.lockGranted(manager, command.access);
      if (FINISHED_TASK_STATUSES.includes(task.status)) {
        throw new TaskFinishedError(task.id, TaskStatus[task.status].toLowerCase());
      }
      const targets = await this.contacts.withdrawalTargets(
        manager,
        task.id,
        byPhone ? { hashes: wanted } : { ids: wanted },
      );
      const held = targets.filter((t) => t.status === ContactStatus.InCampaign);
      await this.withdrawals.now(manager, task, targets);
      await this.contacts.markWithdrawPending(
        manager,
        held.filter((t) => !t.withdrawPending).map((t) => t.id),
      );

      const found = new Map<string, WithdrawalTarget>(targets.map((t) => [byPhone ? t.phoneHash : t.id, t]));
      const result: WithdrawContactsResult = { withdrawn: [], afterCampaign: [], notFound: [] };
      const answered = new Set<string>();
      keys.forEach((key, index) => {
        const target = key === null ? undefined : found.get(key);
        if (!target) {
          result.notFound.push({
            index,
            contactId: byPhone ? null : given[index],
            phone: byPhone ? maskPhone(given[index]) : null,
          });
          return;
        }
        if (answered.has(target.id)) return; // named twice: answered once
        answered.add(target.id);
        const entry = { contactId: target.id, phone: target.phoneMasked };
        (target.status === ContactStatus.InCampaign ? result.afterCampaign : result.withdrawn).push(entry);
      });
      return result;
    });
  }
}
