import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Clock, maskPhone } from '@app/core';
import { SuppressionService } from '@app/suppression';
import { ContactInput, RejectedContact, screenContacts } from './domain/contact-intake';
import { ContactRepository, NewContact } from './repositories/contact.repository';

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

    const suppressed = await this.suppression.screen(
      manager,
      task.firmId,
      options.newTask ? null : task.id,
      fresh.map((c) => c.phone),
      this.clock.now(),
    );
    const rows: NewContact[] = fresh.map((c) => ({ ...c, skipReason: suppressed.get(c.phone) ?? null }));
    await this.contacts.insertMany(manager, task.id, rows);
    const skipped = rows
      .filter((c) => c.skipReason)
      .map((c) => ({ index: c.index, phone: maskPhone(c.phone), candidateRef: c.candidateRef, reason: c.skipReason! }));
    return { added: rows.length - skipped.length, skipped, rejected };
  }
}
