import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '@app/database';
import { CallResult, ContactStatus, Intention } from '../domain/statuses';
import { TaskAccess } from '../domain/task-access';
import { ContactRepository, ExportRow } from '../repositories/contact.repository';

export interface ExportContactsQuery {
  access: TaskAccess;
  status?: ContactStatus;
  callResult?: CallResult;
  intention?: Intention;
}

/** One contact of the export with its results; the phone number in full. */
export type ExportedContact = Omit<ExportRow, 'id' | 'intensionResult'> & { intention: Intention };

/** Rows read per query: memory stays flat whatever the task's size. */
const PAGE = 1000;

function exported(c: ExportRow): ExportedContact {
  return {
    candidateRef: c.candidateRef,
    name: c.name,
    phone: c.phone,
    erased: c.erased,
    status: c.status,
    skipReason: c.skipReason,
    attempts: c.attempts,
    callResult: c.callResult,
    failReason: c.failReason,
    intention: c.intensionResult,
    durationSec: c.durationSec,
    calledAt: c.calledAt,
  };
}

/**
 * A task's contacts with their results, for recruiters to follow candidates up in a spreadsheet (the API
 * writes them as CSV). Full phone numbers on purpose: this export and the robot-call platform are the only
 * places they leave in full. The grant (TaskAccess) is the ownership check; the contacts come page by page
 * (keyset on id, one array per page, the next page read while the caller handles this one), so the caller can
 * stream them with constant memory.
 */
@Injectable()
export class ExportContacts {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly contacts: ContactRepository,
  ) {}

  async execute(query: ExportContactsQuery): Promise<AsyncIterable<ExportedContact[]>> {
    const { contacts, tx } = this;
    const { taskId } = query.access;
    const read = (after: string) => contacts.exportPageAfter(tx.autocommit, taskId, after, query, PAGE);
    return (async function* pages() {
      let next: Promise<ExportRow[]> | null = read('0');
      try {
        while (next) {
          const page: ExportRow[] = await next;
          // The next page is asked for before this one is handed on: the database reads it while the caller
          // writes this one out. One page ahead at most, so memory stays flat and a slow reader holds both.
          next = page.length === PAGE ? read(page[page.length - 1].id) : null;
          if (page.length > 0) yield page.map(exported);
        }
      } finally {
        // A caller that stops early (its client gone) wants neither the page read ahead nor its failure.
        next?.catch(() => undefined);
      }
    })();
  }
}
