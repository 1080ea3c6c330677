import { Injectable } from '@nestjs/common';
import { TransactionRunner } from '@app/database';
import { CallResult, Intention } from '../domain/statuses';
import { TaskAccess } from '../domain/task-access';
import { ContactRepository } from '../repositories/contact.repository';

export interface ExportContactsQuery {
  access: TaskAccess;
  callResult?: CallResult;
  intention?: Intention;
}

/** Rows read per query: memory stays flat whatever the task's size. */
const PAGE = 1000;
/** Excel opens a UTF-8 CSV with Chinese names correctly only with a byte-order mark. */
const BOM = '\uFEFF';

const STATUS_LABEL: Record<number, string> = { 1: '待外呼 waiting', 2: '外呼中 in campaign', 3: '已完成 done', 4: '已跳过 skipped' };
const RESULT_LABEL: Record<number, string> = { 0: '', 1: '成功 connected', 2: '失败 failed' };
const INTENTION_LABEL: Record<number, string> = { 0: '', 1: '有意向 interested', 2: '不考虑 not considering', 3: '不方便 inconvenient', 4: '号码错误 wrong number' };

const HEADER = ['candidate_ref', 'name', 'phone', 'status', 'skip_reason', 'attempts', 'call_result', 'fail_reason', 'intention', 'duration_sec', 'called_at'];

/** RFC 4180 quoting, and a leading quote for cells a spreadsheet would run as a formula. */
function cell(value: unknown): string {
  let text = value === null || value === undefined ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(text) && !/^\+\d+$/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function row(values: unknown[]): string {
  return `${values.map(cell).join(',')}\r\n`;
}

/**
 * A task's contacts with their results as CSV, for recruiters to follow candidates up in a spreadsheet. Full
 * phone numbers on purpose: this export and the robot-call platform are the only places they leave in full.
 * Produced page by page (keyset on id), so the caller can stream it with constant memory.
 */
@Injectable()
export class ExportContacts {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly contacts: ContactRepository,
  ) {}

  async execute(query: ExportContactsQuery): Promise<AsyncIterable<string>> {
    const { contacts, tx } = this;
    const { taskId } = query.access;
    return (async function* lines() {
      yield BOM + row(HEADER);
      let after = '0';
      for (;;) {
        const page = await contacts.pageAfter(tx.autocommit, taskId, after, query, PAGE);
        if (page.length === 0) return;
        yield page
          .map((c) =>
            row([
              c.candidateRef, c.name, c.phone, STATUS_LABEL[c.status] ?? c.status, c.skipReason, c.attempts,
              RESULT_LABEL[c.callResult] ?? c.callResult, c.failReason, INTENTION_LABEL[c.intensionResult] ?? c.intensionResult,
              c.durationSec, c.calledAt?.toISOString() ?? '',
            ]),
          )
          .join('');
        after = String(page[page.length - 1].id);
        if (page.length < PAGE) return;
      }
    })();
  }
}
