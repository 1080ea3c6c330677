import { DataSource } from 'typeorm';
import { Harness } from './harness';

/** Every table the API can write; a refused request must leave all of them as they were. */
const TABLES = [
  'ai_visitor_task',
  'ai_visitor_list',
  'ai_visitor_call_task',
  'ai_visitor_call_record',
  'call_conversation',
  'ai_visitor_firm_bot',
  'ai_visitor_firm_phone',
  'ai_visitor_event',
  'ai_visitor_webhook',
  'ai_visitor_webhook_delivery',
];

const cell = (v: unknown): string =>
  v instanceof Date ? v.toISOString() : v === null || v === undefined ? 'null' : String(v);
const rows = (list: Record<string, unknown>[]): string[] => list.map((r) => Object.values(r).map(cell).join('|'));

/**
 * A cheap picture of the database: row counts of every table, the tasks' status / pause reason / updated_at,
 * the BOT entitlements and the firm phone registry (do-not-call flags). Compared before and after a request.
 */
export async function dbFingerprint(h: Harness): Promise<Record<string, unknown>> {
  const ds = h.api.get(DataSource);
  const counts: Record<string, number> = {};
  for (const table of TABLES) {
    const [{ n }] = await ds.query(`SELECT COUNT(*) AS n FROM ${table}`);
    counts[table] = Number(n);
  }
  return {
    counts,
    tasks: rows(await ds.query('SELECT id, status, pause_reason, updated_at FROM ai_visitor_task ORDER BY id')),
    campaigns: rows(await ds.query('SELECT id, status FROM ai_visitor_call_task ORDER BY id')),
    bots: rows(
      await ds.query(
        'SELECT firm_id, is_open_bot, bot_expire_at, bot_task_num, bot_task_used, updated_at FROM ai_visitor_firm_bot ORDER BY firm_id',
      ),
    ),
    phones: rows(
      await ds.query(
        'SELECT firm_id, phone_hash, do_not_call, dnc_reason, updated_at FROM ai_visitor_firm_phone ORDER BY firm_id, phone_hash',
      ),
    ),
  };
}
