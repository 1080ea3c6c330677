import { DataSource } from 'typeorm';

type Key = string;
const keyOf = (r: Record<string, unknown>): Key =>
  [r.task_id, r.status, r.call_result, r.intension_result, r.skip_reason ?? ''].map(String).join('/');

/**
 * The statistics counters (ai_visitor_task_stats, kept by triggers) must equal the aggregate over the contacts
 * themselves, for every task in the database: suites call this after exercising their write paths.
 */
export async function countersVsContacts(
  ds: DataSource,
): Promise<{ counters: Record<Key, string>; contacts: Record<Key, string> }> {
  const fromContacts: Record<string, unknown>[] = await ds.query(
    `SELECT task_id, status, call_result, intension_result, COALESCE(skip_reason, '') AS skip_reason, COUNT(*) AS contacts,
            SUM(attempts) AS attempts
     FROM ai_visitor_list GROUP BY task_id, status, call_result, intension_result, COALESCE(skip_reason, '')`,
  );
  const fromCounters: Record<string, unknown>[] = await ds.query(
    'SELECT task_id, status, call_result, intension_result, skip_reason, contacts, attempts FROM ai_visitor_task_stats WHERE contacts <> 0 OR attempts <> 0',
  );
  const table = (rows: Record<string, unknown>[]) =>
    Object.fromEntries(rows.map((r) => [keyOf(r), `${Number(r.contacts)} contacts, ${Number(r.attempts)} attempts`]));
  return { counters: table(fromCounters), contacts: table(fromContacts) };
}

export async function expectCountersExact(ds: DataSource): Promise<void> {
  const { counters, contacts } = await countersVsContacts(ds);
  expect(Object.keys(contacts).length).toBeGreaterThan(0);
  expect(counters).toEqual(contacts);
}
