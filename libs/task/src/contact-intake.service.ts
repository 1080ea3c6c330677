import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Clock, maskPhone, SealedPhone } from '@app/core';
import { SuppressionService } from '@app/suppression';
import { ContactInput, RejectedContact, screenContacts } from './domain/contact-intake';
import { ContactRepository, NewSealedContact } from './repositories/contact.repository';

export interface SkippedContact {
  index: number;
  phone: string;
  candidateRef: string | null;
  reason: string;
}

export interface IntakeReport {
  /** Stored and waiting to be called. */
  added: number;
  /** Stored, but not to be called, with the reason (do_not_call, invalid, cooling). */
  skipped: SkippedContact[];
  /** Not stored: invalid or duplicate numbers. */
  rejected: RejectedContact[];
}

/**
 * Takes a bulk list into a task: numbers validated and normalised, duplicates (in the request or already in
 * the task) and invalid numbers rejected, numbers the firm must not call now stored as skipped with the reason.
 */
@Injectable()
export class ContactIntake {
  constructor(
    private readonly contacts: ContactRepository,
    private readonly suppression: SuppressionService,
    private readonly clock: Clock,
  ) {}

  async take(
    manager: EntityManager,
    task: { id: string; firmId: string },
    inputs: readonly ContactInput[],
    options: { newTask: boolean },
  ): Promise<IntakeReport> {
    const screened = screenContacts(inputs);
    const existing = options.newTask
      ? new Set<string>()
      : await this.contacts.existingPhones(
          manager,
          task.id,
          screened.accepted.map((c) => c.phone),
        );
    const fresh = screened.accepted.filter((c) => !existing.has(c.phone));
    const rejected: RejectedContact[] = [
      ...screened.rejected,
      ...screened.accepted
        .filter((c) => existing.has(c.phone))
        .map((c) => ({
          index: c.index,
          phone: maskPhone(c.phone),
          candidateRef: c.candidateRef,
          reason: 'already_in_task' as const,
        })),
    ].sort((a, b) => a.index - b.index);

    const reasons = await this.admit(
      manager,
      task,
      fresh.map((c) => ({
        candidateRef: c.candidateRef,
        name: c.name,
        phone: this.contacts.seal(c.phone),
        phoneMasked: maskPhone(c.phone),
      })),
      { ownTask: !options.newTask },
    );
    const skipped = fresh.flatMap((c, i) =>
      reasons[i]
        ? [{ index: c.index, phone: maskPhone(c.phone), candidateRef: c.candidateRef, reason: reasons[i] }]
        : [],
    );
    return { added: fresh.length - skipped.length, skipped, rejected };
  }

  /**
   * Contacts whose numbers are sealed already (a follow-up's copies of its source's contacts: never opened) into a
   * task new in this transaction, through the same firm rules: do-not-call, wrong numbers, cooling. Calls of
   * `coolingIgnores` (the follow-up's source) do not count for the cooling period; any other task's recent calls
   * do. Answers each contact's skip reason, in order (null: stored waiting).
   */
  async takeSealed(
    manager: EntityManager,
    task: { id: string; firmId: string },
    contacts: readonly NewSealedContact[],
    coolingIgnores: readonly string[],
  ): Promise<(string | null)[]> {
    return this.admit(manager, task, contacts, { ownTask: false, coolingIgnores });
  }

  /** The one screening and insert of intake: each number against the firm's registry, then one bulk insert. */
  private async admit(
    manager: EntityManager,
    task: { id: string; firmId: string },
    contacts: readonly NewSealedContact[],
    options: { ownTask: boolean; coolingIgnores?: readonly string[] },
  ): Promise<(string | null)[]> {
    const phones: SealedPhone[] = contacts.map((c) => c.phone);
    const suppressed = await this.suppression.screen(
      manager,
      task.firmId,
      options.ownTask ? task.id : null,
      phones,
      this.clock.now(),
      options.coolingIgnores ?? [],
    );
    const reasons = phones.map((p) => suppressed.get(p) ?? null);
    await this.contacts.insertSealed(
      manager,
      task.id,
      contacts.map((c, i) => ({ ...c, skipReason: reasons[i] })),
    );
    return reasons;
  }
}
