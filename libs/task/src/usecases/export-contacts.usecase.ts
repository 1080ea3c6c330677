import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '@app/database';
import { CallResult, ContactStatus, Intention } from '../domain/statuses';
import { TaskAccess } from '../domain/task-access';
import { ContactRepository, ExportRow } from '../repositories/contact.repository';
import { CallConversationRepository } from '../repositories/call-conversation.repository';

export interface ExportContactsQuery {
  access: TaskAccess;
  status?: ContactStatus;
  callResult?: CallResult;
  intention?: Intention;
}

/** One contact of the export with its results and its last call's summary; the phone number in full. */
export type ExportedContact = Omit<ExportRow, 'id' | 'intensionResult'> & {
  intention: Intention;
  lastSummary: string | null;
};

/** One page of the export, and the id to read the next one after (null: it was the last). */
interface ExportPage {
  contacts: ExportedContact[];
  next: string | null;
}

/** Rows read per query: memory stays flat whatever the task's size. */
const PAGE = 1000;

function exported(c: ExportRow, lastSummary: string | null): ExportedContact {
  return {
    candidateRef: c.candidateRef,
    name: c.name,
    phone: c.phone,
    status: c.status,
    skipReason: c.skipReason,
    attempts: c.attempts,
    callResult: c.callResult,
    failReason: c.failReason,
    intention: c.intensionResult,
    durationSec: c.durationSec,
    calledAt: c.calledAt,
    lastSummary,
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
    private readonly conversations: CallConversationRepository,
  ) {}

  execute(query: ExportContactsQuery): Promise<AsyncIterable<ExportedContact[]>> {
    const { contacts, conversations, tx } = this;
    const { taskId } = query.access;
    // A page is its contacts and their last calls' summaries, read together (the summaries by the page's ids).
    const read = async (after: string): Promise<ExportPage> => {
      const rows = await contacts.exportPageAfter(tx.autocommit, taskId, after, query, PAGE);
      const summaries = await conversations.lastSummaries(
        tx.autocommit,
        rows.map((r) => r.id),
      );
      return {
        contacts: rows.map((r) => exported(r, summaries.get(r.id) ?? null)),
        next: rows.length === PAGE ? rows[rows.length - 1].id : null,
      };
    };
    // Nothing is read until the caller asks for the first page.
    const stream = (async function* pages() {
      let next: Promise<ExportPage> | null = read('0');
      try {
        while (next) {
          const page: ExportPage = await next;
          // The next page is asked for before this one is handed on: the database reads it while the caller
          // writes this one out. One page ahead at most, so memory stays flat and a slow reader holds both.
          next = page.next !== null ? read(page.next) : null;
          if (page.contacts.length > 0) yield page.contacts;
        }
      } finally {
        // A caller that stops early (its client gone) wants neither the page read ahead nor its failure.
        next?.catch(() => undefined);
      }
    })();
    return Promise.resolve(stream);
  }
}
