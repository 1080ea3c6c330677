import { Injectable } from '@nestjs/common';
import { Clock, maskPhone, normalizePhone } from '@app/core';
import { TransactionRunner } from '@app/database';
import { EventOutbox, EventRedaction } from '@app/events';
import { SuppressionService } from '@app/suppression';
import { CONTACT_EVENT_TYPES, erasedEventData } from '../domain/erasure';
import { InvalidTaskInputError } from '../errors/task-errors';
import { ContactRepository } from '../repositories/contact.repository';
import { ContactPhones } from '../repositories/contact-phones';
import { TaskRepository } from '../repositories/task.repository';
import { CallConversationRepository } from '../repositories/call-conversation.repository';

/** Numbers one erasure takes at most (each may be in every task of the firm). */
export const MAX_ERASURE_PHONES = 100;

export interface EraseCandidatesCommand {
  firmId: string;
  /** Numbers as entered; normalised as the intake normalises them, or the whole request is refused (nothing written). */
  phones: string[];
}

/** What one erasure did in one task. */
export interface ErasedInTask {
  taskId: string;
  /** Contacts erased (one per number found in the task). */
  contacts: number;
  /** Conversations deleted (summary, transcript, recording link of the contacts' calls). */
  conversations: number;
  /** Events redacted in place (`contact.called`, `candidate.interested`). */
  events: number;
}

/** What an erasure did: counts only, never a number. */
export interface ErasureResult {
  /** Distinct numbers in the request. */
  numbers: number;
  /** Of those, the numbers found in at least one task of the firm. */
  found: number;
  /** Contacts erased, over every task. */
  contacts: number;
  /** Conversations deleted, over every task. */
  conversations: number;
  /** Events redacted, over every task. */
  events: number;
  /** Numbers now on the firm's do-not-call list as erased (every number of the request). */
  doNotCall: number;
  /** Per task, in task id order. */
  tasks: ErasedInTask[];
}

/**
 * A candidate's right to erasure (PIPL): their numbers' personal data is erased in every task of the firm, in one
 * transaction. Each contact's name, candidate reference, masked number and ciphertext are replaced by the erased
 * marker, and what they said on their calls (conversations: summary, transcript, recording link) is deleted; the
 * keyed hash stays, as the firm's do-not-call entry (reason `erased`), so the number is never called
 * again by any task, this one's next campaign included. The events that carry them are redacted in place (sequence
 * and position kept, the personal fields null, `erased: true`); deliveries still pending go out redacted. Results,
 * attempts and counts stay, so statistics do not change; a contact still waiting is closed (done if called before,
 * else skipped `do_not_call`). `candidate.erased` tells the platform which contacts (by id, never the number).
 *
 * Locks: the affected tasks in id order (start, pause, sync and ingest wait), then the sequencer's cursor (a
 * batch of results rendered meanwhile would read the contact as it was): then nothing writes these contacts'
 * personal data behind the erasure. A call already in progress on the platform may still end: its record is stored
 * (a result), its event rendered erased, its conversation not kept.
 */
@Injectable()
export class EraseCandidates {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly tasks: TaskRepository,
    private readonly contacts: ContactRepository,
    private readonly phones: ContactPhones,
    private readonly conversations: CallConversationRepository,
    private readonly suppression: SuppressionService,
    private readonly redaction: EventRedaction,
    private readonly outbox: EventOutbox,
    private readonly clock: Clock,
  ) {}

  async execute(command: EraseCandidatesCommand): Promise<ErasureResult> {
    const numbers = erasureNumbers(command.phones);
    const hashes = [...new Set(numbers.map((n) => this.phones.hash(n)))].sort();
    return this.tx.run(async (manager) => {
      const found = await this.contacts.findInFirmByHashes(manager, command.firmId, hashes);
      const taskIds = [...new Set(found.map((c) => c.taskId))].sort((a, b) => Number(a) - Number(b));
      for (const taskId of taskIds) await this.tasks.lock(manager, taskId);
      await this.redaction.holdSequencing(manager);
      // Read again under the locks: a contact added meanwhile by its task's intake is erased too.
      const contacts = taskIds.length ? await this.contacts.findInFirmByHashes(manager, command.firmId, hashes) : [];
      const taskOf = new Map(contacts.map((c) => [c.id, c.taskId]));
      const perTask = new Map<string, ErasedInTask>();
      for (const c of contacts) {
        const entry = perTask.get(c.taskId) ?? { taskId: c.taskId, contacts: 0, conversations: 0, events: 0 };
        entry.contacts += 1;
        perTask.set(c.taskId, entry);
      }
      await this.contacts.erase(
        manager,
        contacts.map((c) => c.id),
      );
      const deleted = await this.conversations.deleteOfContacts(manager, [...taskOf.keys()]);
      for (const [taskId, n] of deleted) {
        const task = perTask.get(taskId);
        if (task) task.conversations += n;
      }
      await this.suppression.eraseNumbers(manager, command.firmId, hashes, this.clock.now());
      const events = await this.redaction.rewriteContactEvents(manager, [...taskOf.keys()], (event) => {
        if (!CONTACT_EVENT_TYPES.includes(event.type)) return null;
        const redacted = erasedEventData(event.data);
        const task = perTask.get(taskOf.get(event.contactId) ?? '');
        if (redacted && task) task.events += 1;
        return redacted;
      });
      const tasks = [...perTask.values()].sort((a, b) => Number(a.taskId) - Number(b.taskId));
      await this.outbox.append(manager, [
        {
          type: 'candidate.erased',
          firmId: command.firmId,
          data: {
            firmId: command.firmId,
            contacts: contacts.length,
            tasks: tasks.map((t) => ({
              taskId: t.taskId,
              contactIds: contacts.filter((c) => c.taskId === t.taskId).map((c) => c.id),
            })),
          },
        },
      ]);
      return {
        numbers: hashes.length,
        found: new Set(contacts.map((c) => c.phoneHash)).size,
        contacts: contacts.length,
        conversations: tasks.reduce((n, t) => n + t.conversations, 0),
        events,
        doNotCall: hashes.length,
        tasks,
      };
    });
  }
}

/**
 * The numbers of an erasure, normalised to E.164 as the intake normalises contacts (so the keyed hashes match), or
 * the request is refused naming every bad entry (masked, at most 50): VALIDATION_FAILED, nothing written.
 */
function erasureNumbers(phones: readonly string[]): string[] {
  const bad: { field: string; errors: string[] }[] = [];
  const numbers: string[] = [];
  if (phones.length === 0 || phones.length > MAX_ERASURE_PHONES) {
    throw new InvalidTaskInputError(`An erasure takes 1 to ${MAX_ERASURE_PHONES} numbers`, [
      { field: 'phones', errors: [`phones must hold 1 to ${MAX_ERASURE_PHONES} numbers`] },
    ]);
  }
  phones.forEach((raw, index) => {
    const n = normalizePhone(raw);
    if (n.ok) numbers.push(n.e164);
    else
      bad.push({
        field: `phones.${index}`,
        errors: [`phones.${index} is not a mobile number (${n.reason}): ${maskPhone(raw)}`],
      });
  });
  if (bad.length > 0) throw new InvalidTaskInputError('Some numbers are not valid mobile numbers', bad.slice(0, 50));
  return numbers;
}
