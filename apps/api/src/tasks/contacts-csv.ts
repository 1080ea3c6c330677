import { CallResult, ContactStatus, ExportedContact, Intention } from '@app/task';

/** Excel opens a UTF-8 CSV with Chinese names correctly only with a byte-order mark. */
const BOM = '\uFEFF';

const HEADER = [
  'candidate_ref',
  'name',
  'phone',
  'status',
  'skip_reason',
  'attempts',
  'call_result',
  'fail_reason',
  'intention',
  'duration_sec',
  'called_at',
  'last_summary',
];

/** The recruiters' labels, Chinese then English; Records over the enums, so a new value needs its label. */
const STATUS_LABEL: Record<ContactStatus, string> = {
  [ContactStatus.Waiting]: '待外呼 waiting',
  [ContactStatus.InCampaign]: '外呼中 in campaign',
  [ContactStatus.Done]: '已完成 done',
  [ContactStatus.Skipped]: '已跳过 skipped',
};
const RESULT_LABEL: Record<CallResult, string> = {
  [CallResult.None]: '',
  [CallResult.Connected]: '成功 connected',
  [CallResult.Failed]: '失败 failed',
};
const INTENTION_LABEL: Record<Intention, string> = {
  [Intention.None]: '',
  [Intention.Interested]: '有意向 interested',
  [Intention.NotConsidering]: '不考虑 not considering',
  [Intention.Inconvenient]: '不方便 inconvenient',
  [Intention.WrongNumber]: '号码错误 wrong number',
};

/** A label, or the number itself for a value the database holds that no label names; as its CSV cell. */
function labelCell<T extends number>(labels: Record<T, string>, value: T): string {
  const text = labels[value];
  return text === undefined ? cell(value) : text;
}

/** Either thing cell() changes: a leading character a spreadsheet would run, or one that needs quoting. */
const NEEDS_CARE = /^[=+\-@\t\r]|[",\r\n]/;

/** RFC 4180 quoting, and a leading quote for cells a spreadsheet would run as a formula. */
function cell(value: string | number | null | undefined): string {
  const text = value === null || value === undefined ? '' : String(value);
  // Most cells need neither: one test decides it (the export writes a cell per column of every contact).
  return NEEDS_CARE.test(text) ? careful(text) : text;
}

function careful(value: string): string {
  let text = value;
  if (/^[=+\-@\t\r]/.test(text) && !/^\+\d+$/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function row(values: readonly string[]): string {
  return `${values.map(cell).join(',')}\r\n`;
}

// Labels hold none of what cell() changes (a test pins the bytes), so they are written as they are.
function contactRow(c: ExportedContact): string {
  return (
    `${cell(c.candidateRef)},${cell(c.name)},${cell(c.phone)},${labelCell(STATUS_LABEL, c.status)},${cell(c.skipReason)},` +
    `${cell(c.attempts)},${labelCell(RESULT_LABEL, c.callResult)},${cell(c.failReason)},${labelCell(INTENTION_LABEL, c.intention)},` +
    `${cell(c.durationSec)},${cell(c.calledAt?.toISOString())},${cell(c.lastSummary)}\r\n`
  );
}

/**
 * The export as CSV text for recruiters' spreadsheets: a byte-order mark and the header, then one chunk per page
 * of contacts, so it streams with constant memory.
 */
export async function* contactsCsv(pages: AsyncIterable<readonly ExportedContact[]>): AsyncIterable<string> {
  yield BOM + row(HEADER);
  for await (const page of pages) yield page.map(contactRow).join('');
}
