import { EntityManager } from 'typeorm';
import { CheckName, checks } from './config';
import { windowOpen } from './call-windows';
import { as, botUsable, Model, Real, SimCampaign, simCampaign, simCampaigns, TaskModel, World } from './world';

/** A broken invariant: which one, and what the real state showed. */
export class ModelViolation extends Error {
  constructor(
    readonly check: CheckName,
    message: string,
  ) {
    super(`[${check}] ${message}`);
    this.name = 'ModelViolation';
  }
}

export function violated(check: CheckName, message: string): void {
  if (checks(check)) throw new ModelViolation(check, message);
}

export interface CallTaskRow {
  id: string;
  task_id: string;
  request_id: string;
  campaign_id: string | null;
  status: number;
}

export interface RecordRow {
  record_id: string;
  task_id: string;
  call_task_id: string;
  contact_id: string;
  call_result: number;
  intension_result: number;
}

export interface ContactRow {
  id: string;
  task_id: string;
  candidate_ref: string;
  status: number;
  skip_reason: string | null;
  attempts: number;
  call_result: number;
  fail_reason: string | null;
  intension_result: number;
  record_id: string | null;
}

/** The state of one run, read at one moment: database (one snapshot), API views, then the platform's truth. */
export interface Snapshot {
  at: Date;
  views: Map<string, any>;
  /** The same tasks as GET /v1/tasks lists them. */
  listed: Map<string, any>;
  callTasks: CallTaskRow[];
  records: RecordRow[];
  contacts: ContactRow[];
  counterRows: { counters: Record<string, string>; contacts: Record<string, string> };
  /** The tasks' status and pause reason, read in the same snapshot as their lifecycle events. */
  taskRows: { id: string; status: number; pause_reason: string | null }[];
  /** The tasks' lifecycle events (`task.*`) in the outbox, by task and sequence. */
  lifecycle: { task_id: string; type: string; sequence: number; data: string | Record<string, unknown> }[];
  /** The run's campaigns with their records, read after the database (the platform's records only grow). */
  campaigns: SimCampaign[];
}

const TIME_BASED = ['call_window', 'retry_gap', 'callback'];
/**
 * Healthy passes (window open, BOT usable) a task may stay "starting" (2): a healthy platform confirms a campaign
 * at the next pass; a refusing one must end in a stated state (`platform_rejected`) after bounded retries.
 */
export const STARTING_PASSES = 3;
const norm = (rows: Record<string, unknown>[], numeric: string[]): any[] =>
  rows.map((row) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(row)) out[k] = v === null ? null : numeric.includes(k) ? Number(v) : String(v);
    return out;
  });

export async function snapshot(m: Model, r: Real): Promise<Snapshot> {
  const w = r.w;
  const ids = m.tasks.map((t) => t.id);
  const at = w.clock.now();
  const views = new Map<string, any>();
  for (const task of m.tasks) {
    const res = await w.h.http().get(`/v1/tasks/${task.id}`).set(as(m.firms[task.firm]));
    if (res.status !== 200) throw new Error(`GET /v1/tasks/${task.id} answered ${res.status} ${JSON.stringify(res.body)}`);
    views.set(task.id, res.body);
  }
  const listed = new Map<string, any>();
  for (const firm of m.firms.filter((_, i) => m.tasks.some((t) => t.firm === i))) {
    const res = await w.h.http().get('/v1/tasks').query({ pageSize: 100 }).set(as(firm));
    if (res.status !== 200) throw new Error(`GET /v1/tasks answered ${res.status} ${JSON.stringify(res.body)}`);
    for (const item of res.body.items) listed.set(String(item.id), item);
  }
  const empty = { callTasks: [], records: [], contacts: [], counterRows: { counters: {}, contacts: {} }, taskRows: [], lifecycle: [] };
  const db = ids.length === 0 ? empty : await w.observer.transaction((manager) => readDb(manager, ids));
  const known = new Set(db.callTasks.map((c) => c.request_id));
  const runTasks = new Set(ids);
  const campaigns: SimCampaign[] = [];
  for (const summary of await simCampaigns(w)) {
    const named = /\btask (\d+)\b/.exec(summary.name ?? '')?.[1];
    if (known.has(summary.request_id) || (named && runTasks.has(named))) campaigns.push(await simCampaign(w, summary.campaign_id));
  }
  return { at, views, listed, ...db, campaigns };
}

async function readDb(manager: EntityManager, ids: string[]): Promise<Omit<Snapshot, 'at' | 'views' | 'listed' | 'campaigns'>> {
  const marks = ids.map(() => '?').join(', ');
  const callTasks = norm(
    await manager.query(`SELECT id, task_id, request_id, campaign_id, status FROM ai_visitor_call_task WHERE task_id IN (${marks})`, ids),
    ['status'],
  );
  const ctIds = callTasks.map((c) => c.id);
  const ctMarks = ctIds.length ? ctIds.map(() => '?').join(', ') : 'NULL';
  const records = norm(
    await manager.query(
      `SELECT record_id, task_id, call_task_id, contact_id, call_result, intension_result FROM ai_visitor_call_record
       WHERE task_id IN (${marks}) OR call_task_id IN (${ctMarks})`,
      [...ids, ...ctIds],
    ),
    ['call_result', 'intension_result'],
  );
  const contacts = norm(
    await manager.query(
      `SELECT id, task_id, candidate_ref, status, skip_reason, attempts, call_result, fail_reason, intension_result, record_id
       FROM ai_visitor_list WHERE task_id IN (${marks}) ORDER BY id`,
      ids,
    ),
    ['status', 'attempts', 'call_result', 'intension_result'],
  );
  const key = (row: Record<string, unknown>) => [row.task_id, row.status, row.call_result, row.intension_result].map(String).join('/');
  const table = (rows: Record<string, unknown>[]) =>
    Object.fromEntries(rows.map((row) => [key(row), `${Number(row.contacts)} contacts, ${Number(row.attempts)} attempts`]));
  const fromContacts = await manager.query(
    `SELECT task_id, status, call_result, intension_result, COUNT(*) AS contacts, SUM(attempts) AS attempts
     FROM ai_visitor_list WHERE task_id IN (${marks}) GROUP BY task_id, status, call_result, intension_result`,
    ids,
  );
  const fromCounters = await manager.query(
    `SELECT task_id, status, call_result, intension_result, contacts, attempts FROM ai_visitor_task_stats
     WHERE task_id IN (${marks}) AND (contacts <> 0 OR attempts <> 0)`,
    ids,
  );
  const taskRows = norm(await manager.query(`SELECT id, status, pause_reason FROM ai_visitor_task WHERE id IN (${marks})`, ids), ['status']);
  const lifecycle = (
    await manager.query(
      `SELECT task_id, type, sequence, data FROM ai_visitor_event WHERE task_id IN (${marks}) AND type LIKE 'task.%' ORDER BY task_id, sequence`,
      ids,
    )
  ).map((row: { task_id: unknown; type: string; sequence: unknown; data: unknown }) => ({ ...row, task_id: String(row.task_id), sequence: Number(row.sequence) }));
  return { callTasks, records, contacts, counterRows: { counters: table(fromCounters), contacts: table(fromContacts) }, taskRows, lifecycle };
}

const show = (value: unknown) => JSON.stringify(value);

/** What a task's lifecycle events say it is, after each of them (domain/task-events.ts), and from what it may follow. */
const STORY: Record<string, { from: string[]; to: string }> = {
  'task.started': { from: ['not started'], to: 'running' },
  'task.paused': { from: ['running', 'paused'], to: 'paused' },
  'task.resumed': { from: ['paused'], to: 'running' },
  'task.completed': { from: ['running', 'paused'], to: 'completed' },
  'task.cancelled': { from: ['not started', 'running', 'paused'], to: 'cancelled' },
};
const TOLD: Record<number, string> = { 1: 'not started', 2: 'running', 3: 'running', 4: 'paused', 5: 'completed', 6: 'cancelled' };

/**
 * Invariant 8: a task's lifecycle events tell its story, once each: in sequence order (no sequence twice) they
 * follow one another as a status history can (started once, then paused / resumed, completed or cancelled last;
 * a second `task.paused` only with another reason), and the last one says what the task is now, with its pause
 * reason. A status move that announced nothing, twice, or from a status the task was not in breaks it.
 */
function checkLifecycleEvents(s: Snapshot): void {
  const events = new Map<string, Snapshot['lifecycle']>();
  for (const e of s.lifecycle) events.set(e.task_id, [...(events.get(e.task_id) ?? []), e]);
  for (const task of s.taskRows) {
    let told = 'not started';
    let reason: unknown = null;
    let sequence = 0;
    for (const e of events.get(task.id) ?? []) {
      const data = (typeof e.data === 'string' ? JSON.parse(e.data) : e.data) as Record<string, unknown>;
      const step = STORY[e.type];
      const where = `task ${task.id}: ${e.type} (sequence ${e.sequence}, ${show(data)})`;
      if (e.sequence <= sequence) violated('lifecycleEvents', `${where} does not follow sequence ${sequence}`);
      else if (!step || !step.from.includes(told)) violated('lifecycleEvents', `${where} follows a task the events said was ${told}`);
      else if (told === 'paused' && e.type === 'task.paused' && data.pauseReason === reason) violated('lifecycleEvents', `${where} repeats the pause (${show(reason)})`);
      sequence = e.sequence;
      if (step) told = step.to;
      reason = e.type === 'task.paused' ? data.pauseReason : null;
    }
    const is = TOLD[task.status];
    if (told !== is || (is === 'paused' && reason !== task.pause_reason)) {
      const said = told === 'paused' ? `${told} (${show(reason)})` : told;
      violated('lifecycleEvents', `task ${task.id} is ${task.status} (pauseReason ${show(task.pause_reason)}), its lifecycle events say ${said}: ${show((events.get(task.id) ?? []).map((e) => e.type))}`);
    }
  }
}

/**
 * Invariants 1 (the part that holds at every step), 3, 4, 5 and 8, after every command:
 *  1. each of the run's remote campaigns maps to exactly one call task (by request_id) of the task it was made for;
 *     every stored record is stored once and is a record the platform really made, for that campaign and contact;
 *  3. at most one active (0/1/2) call task per task;
 *  4. the statistics counters equal the aggregate over the contacts;
 *  5. a task in 2/3/4 with no campaign running says what it waits for (and until when, for waits on time);
 *     a task paused as `platform_rejected` carries the platform's `lastError`;
 *  8. a task's lifecycle events tell its story (checkLifecycleEvents).
 */
export function checkAlways(m: Model, s: Snapshot): void {
  const taskIds = new Set(m.tasks.map((t) => t.id));
  // 1. campaigns <-> call tasks
  for (const c of s.campaigns) {
    const mine = s.callTasks.filter((ct) => ct.request_id === c.request_id);
    const named = /\btask (\d+)\b/.exec(c.name ?? '')?.[1];
    if (mine.length !== 1) {
      violated('records', `remote campaign ${c.campaign_id} (${c.name}, status ${c.status}, ${c.records.length} records) maps to ${mine.length} call tasks by request_id ${c.request_id}`);
      continue;
    }
    const ct = mine[0];
    if (!taskIds.has(ct.task_id) || (named && named !== ct.task_id)) {
      violated('records', `remote campaign ${c.campaign_id} (${c.name}) is recorded for task ${ct.task_id}`);
    }
    if (ct.campaign_id !== null && ct.campaign_id !== c.campaign_id) {
      violated('records', `call task ${ct.id} holds campaign ${ct.campaign_id}, but its request_id made ${c.campaign_id}`);
    }
    if (c.records.length > 0 && ct.campaign_id !== c.campaign_id) {
      violated('records', `campaign ${c.campaign_id} dialled ${c.records.length} calls but call task ${ct.id} does not know it (campaign_id ${ct.campaign_id})`);
    }
  }
  const byCampaign = new Map(s.campaigns.map((c) => [c.campaign_id, c]));
  for (const ct of s.callTasks) {
    if (ct.campaign_id && !byCampaign.has(ct.campaign_id)) {
      violated('records', `call task ${ct.id} of task ${ct.task_id} holds campaign ${ct.campaign_id}, which the platform never made for it`);
    }
  }
  // 1. stored records: once each, and real
  const seen = new Map<string, number>();
  for (const rec of s.records) seen.set(rec.record_id, (seen.get(rec.record_id) ?? 0) + 1);
  for (const [id, n] of seen) if (n > 1) violated('records', `record ${id} is stored ${n} times`);
  const callTaskById = new Map(s.callTasks.map((ct) => [ct.id, ct]));
  for (const rec of s.records) {
    const ct = callTaskById.get(rec.call_task_id);
    const campaign = ct?.campaign_id ? byCampaign.get(ct.campaign_id) : undefined;
    const truth = campaign?.records.find((x) => x.record_id === rec.record_id);
    if (!truth) {
      violated('records', `stored record ${rec.record_id} (call task ${rec.call_task_id}) is not a record of that call task's campaign ${ct?.campaign_id}`);
      continue;
    }
    const expected = { contact_id: truth.ref, call_result: truth.call_result, intension_result: truth.call_result === 1 ? truth.intention : 0, task_id: ct!.task_id };
    const got = { contact_id: rec.contact_id, call_result: rec.call_result, intension_result: rec.intension_result, task_id: rec.task_id };
    if (show(expected) !== show(got)) violated('records', `stored record ${rec.record_id} is ${show(got)}, the platform made ${show(expected)}`);
  }
  // 3. one active call task per task
  const active = new Map<string, string[]>();
  for (const ct of s.callTasks) if ([0, 1, 2].includes(ct.status)) active.set(ct.task_id, [...(active.get(ct.task_id) ?? []), ct.id]);
  for (const [task, cts] of active) if (cts.length > 1) violated('oneActive', `task ${task} has ${cts.length} active call tasks: ${cts.join(', ')}`);
  // 4. counters
  if (show(sorted(s.counterRows.counters)) !== show(sorted(s.counterRows.contacts))) {
    violated('counters', `statistics counters ${show(sorted(s.counterRows.counters))} differ from the contacts ${show(sorted(s.counterRows.contacts))}`);
  }
  // 5. waitingFor / nextActionAt, in the task and in the list
  for (const [id, view] of s.views) {
    checkWaiting(id, view);
    const item = s.listed.get(id);
    if (!item) violated('responses', `task ${id} is missing from GET /v1/tasks`);
    // Read a few milliseconds apart, a wait on time may have ended in between: the list must say why the task
    // waits too, not necessarily in the same word.
    else if (item.status === view.status && [2, 3, 4].includes(view.status) && view.activeCampaign?.status !== 1 && item.activeCampaign?.status !== 1 && !(typeof item.waitingFor === 'string' && item.waitingFor.length > 0)) {
      violated('waitingFor', `GET /v1/tasks lists task ${id} (${item.status}, no campaign running) with no waitingFor (${show(item.waitingFor)}); GET /v1/tasks/${id} says ${show(view.waitingFor)}`);
    }
  }
  // 8. lifecycle events
  checkLifecycleEvents(s);
}

function sorted(o: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
}

export function checkWaiting(id: string, view: any): void {
  if ([2, 3, 4].includes(view.status) && view.activeCampaign?.status !== 1) {
    if (typeof view.waitingFor !== 'string' || view.waitingFor.length === 0) {
      violated('waitingFor', `task ${id} is ${view.status} (pauseReason ${view.pauseReason}) with no campaign running (activeCampaign ${show(view.activeCampaign)}) and states no waitingFor (${show(view.waitingFor)})`);
    } else if (TIME_BASED.includes(view.waitingFor) && !(typeof view.nextActionAt === 'string' && !Number.isNaN(Date.parse(view.nextActionAt)))) {
      violated('waitingFor', `task ${id} waits for ${view.waitingFor} but nextActionAt is ${show(view.nextActionAt)}`);
    }
  }
  if (view.status === 4 && view.pauseReason === 'platform_rejected' && !(typeof view.lastError === 'string' && view.lastError.length > 0)) {
    violated('waitingFor', `task ${id} is paused as platform_rejected without the platform's lastError (${show(view.lastError)})`);
  }
}

/**
 * Invariant 2, after a pass run on a healthy platform: no campaign of the run dials (status 1 with contacts left)
 * unless its task is 2 or 3, its call task is the running one, and the task may call now (window open, BOT
 * usable, both as of the pass's start). Plus the bounded-start rule: a task does not stay "starting" (2) across
 * healthy passes with its window and BOT open.
 */
export function checkAfterHealthyPass(m: Model, s: Snapshot, passStartedAt: Date): void {
  const byRequest = new Map(s.callTasks.map((ct) => [ct.request_id, ct]));
  const taskById = new Map<string, TaskModel>(m.tasks.map((t) => [t.id, t]));
  for (const c of s.campaigns) {
    if (!(c.status === 1 && c.dialled_count < c.contact_count)) continue;
    const ct = byRequest.get(c.request_id);
    const task = ct ? taskById.get(ct.task_id) : undefined;
    const view = task ? s.views.get(task.id) : undefined;
    if (!ct || !task || !view) {
      violated('dialling', `campaign ${c.campaign_id} dials (${c.dialled_count}/${c.contact_count}) with no task of this run behind it`);
      continue;
    }
    const why: string[] = [];
    if (![2, 3].includes(view.status)) why.push(`task ${task.id} is ${view.status} (pauseReason ${view.pauseReason})`);
    if (ct.status !== 1) why.push(`its call task ${ct.id} is ${ct.status}`);
    if (!windowOpen(task.window, passStartedAt)) why.push(`the ${task.window} window was closed at ${passStartedAt.toISOString()}`);
    if (!botUsable(m.firms[task.firm], passStartedAt)) why.push(`the firm's BOT was ${show(m.firms[task.firm].bot)}`);
    if (why.length) violated('dialling', `after a healthy pass campaign ${c.campaign_id} still dials (${c.dialled_count}/${c.contact_count}) although ${why.join(' and ')}`);
  }
  for (const task of m.tasks) {
    const view = s.views.get(task.id);
    const stuck = view?.status === 2 && windowOpen(task.window, passStartedAt) && botUsable(m.firms[task.firm], passStartedAt);
    m.startingStreak[task.id] = stuck ? (m.startingStreak[task.id] ?? 0) + 1 : 0;
    if (m.startingStreak[task.id] > STARTING_PASSES) {
      violated('boundedStart', `task ${task.id} is still "starting" (2) after ${m.startingStreak[task.id]} healthy passes (refusal ${m.refuse}): ${show({ pauseReason: view.pauseReason, activeCampaign: view.activeCampaign, lastError: view.lastError })}`);
    }
  }
}

/**
 * Invariant 1 in full, once the platform has been healthy and the passes have read everything: every record the
 * platform made for the given tasks' campaigns is stored, and is on its contact (latest call's result), in the
 * contact list, in the statistics and in the CSV export. A contact with no record has no result, unless a
 * finished campaign never reported it (`not_dialled`). A finished task (5/6) has no contact waiting or in a campaign.
 */
export async function checkResultsComplete(m: Model, r: Real, s: Snapshot, taskIds: string[], phase: string): Promise<void> {
  const stored = new Set(s.records.map((x) => x.record_id));
  const ctByRequest = new Map(s.callTasks.map((ct) => [ct.request_id, ct]));
  for (const taskId of taskIds) {
    const task = m.tasks.find((t) => t.id === taskId)!;
    const firm = m.firms[task.firm];
    const view = s.views.get(taskId);
    const campaigns = s.campaigns.filter((c) => ctByRequest.get(c.request_id)?.task_id === taskId);
    const truth = campaigns.flatMap((c) => c.records.map((rec) => ({ ...rec, campaign: c.campaign_id })));
    const missing = truth.filter((rec) => !stored.has(rec.record_id));
    if (missing.length) {
      violated('records', `${phase}: task ${taskId} (status ${view.status}, pauseReason ${view.pauseReason}) never stored ${missing.length} of the ${truth.length} records its campaigns made: ${missing.slice(0, 5).map((x) => `${x.record_id} (contact ${x.ref}, result ${x.call_result}/${x.intention})`).join(', ')}`);
    }
    const apiContacts = await allContacts(r.w, firm, taskId);
    const apiById = new Map(apiContacts.map((c) => [String(c.id), c]));
    const rows = s.contacts.filter((c) => c.task_id === taskId);
    for (const row of rows) {
      const api = apiById.get(row.id);
      const calls = truth.filter((rec) => rec.ref === row.id).sort((a, b) => a.called_at.localeCompare(b.called_at) || a.record_id.localeCompare(b.record_id));
      const where = `${phase}: contact ${row.id} (${row.candidate_ref}) of task ${taskId} (status ${view.status})`;
      if (!api) {
        violated('records', `${where} is missing from GET /v1/tasks/${taskId}/contacts`);
        continue;
      }
      const dbSide = { status: row.status, attempts: row.attempts, callResult: row.call_result, intensionResult: row.intension_result, failReason: row.fail_reason, skipReason: row.skip_reason };
      const apiSide = { status: api.status, attempts: api.attempts, callResult: api.callResult, intensionResult: api.intensionResult, failReason: api.failReason, skipReason: api.skipReason };
      if (show(dbSide) !== show(apiSide)) violated('records', `${where}: the API shows ${show(apiSide)}, the database ${show(dbSide)}`);
      if (row.attempts < calls.length) violated('records', `${where} shows ${row.attempts} attempts, the platform called it ${calls.length} times`);
      const last = calls[calls.length - 1];
      const notDialled = row.fail_reason === 'not_dialled';
      if (last && !notDialled) {
        const expected = { recordId: last.record_id, callResult: last.call_result, intensionResult: last.call_result === 1 ? last.intention : 0, calledAt: last.called_at };
        const got = { recordId: row.record_id, callResult: row.call_result, intensionResult: row.intension_result, calledAt: api.calledAt };
        if (show(expected) !== show(got)) {
          violated('records', `${where} (status ${row.status}, skipReason ${row.skip_reason}) shows ${show(got)}, but the platform's latest call of it was ${show(expected)} in campaign ${last.campaign}`);
        }
      }
      if (!last && row.call_result !== 0 && !notDialled) violated('records', `${where} shows call result ${row.call_result} but the platform never called it`);
      // Done without ever being called: only as a contact finished campaigns never reported (an attempt spent each time).
      if (!last && row.status === 3 && !(notDialled && row.attempts >= 1)) {
        violated('records', `${where} is done (attempts ${row.attempts}, failReason ${row.fail_reason}) but the platform never called it`);
      }
      if ([5, 6].includes(view.status) && ![3, 4].includes(row.status)) violated('records', `${where} is still ${row.status} although its task finished (${view.status})`);
    }
    if (apiContacts.length !== rows.length) violated('records', `${phase}: task ${taskId} lists ${apiContacts.length} contacts, the database holds ${rows.length}`);
    await checkStatsAndExport(r, firm, taskId, apiContacts, phase);
  }
}

async function allContacts(w: World, firm: Model['firms'][number], taskId: string): Promise<any[]> {
  const items: any[] = [];
  for (let page = 1; ; page++) {
    const res = await w.h.http().get(`/v1/tasks/${taskId}/contacts`).query({ page, pageSize: 500 }).set(as(firm));
    if (res.status !== 200) throw new Error(`GET contacts of task ${taskId} answered ${res.status}`);
    items.push(...res.body.items);
    if (items.length >= res.body.total || res.body.items.length === 0) return items;
  }
}

const RESULT_LABEL: Record<number, string> = { 0: '', 1: '成功 connected', 2: '失败 failed' };
const INTENTION_LABEL: Record<number, string> = { 0: '', 1: '有意向 interested', 2: '不考虑 not considering', 3: '不方便 inconvenient', 4: '号码错误 wrong number' };

/** The statistics and the CSV export against the contact list (which the checks above tie to the platform). */
async function checkStatsAndExport(r: Real, firm: Model['firms'][number], taskId: string, contacts: any[], phase: string): Promise<void> {
  const w = r.w;
  const stats = (await w.h.http().get(`/v1/tasks/${taskId}/stats`).set(as(firm))).body;
  const count = (f: (c: any) => boolean) => contacts.filter(f).length;
  const expected = {
    total: contacts.length,
    waiting: count((c) => c.status === 1),
    inCampaign: count((c) => c.status === 2),
    done: count((c) => c.status === 3),
    skipped: count((c) => c.status === 4),
    connected: count((c) => c.callResult === 1),
    failed: count((c) => c.callResult === 2),
    attempts: contacts.reduce((sum, c) => sum + c.attempts, 0),
    intentions: {
      interested: count((c) => c.intensionResult === 1),
      notConsidering: count((c) => c.intensionResult === 2),
      inconvenient: count((c) => c.intensionResult === 3),
      wrongNumber: count((c) => c.intensionResult === 4),
    },
  };
  const got = {
    total: stats.total, waiting: stats.waiting, inCampaign: stats.inCampaign, done: stats.done, skipped: stats.skipped,
    connected: stats.connected, failed: stats.failed, attempts: stats.attempts, intentions: stats.intentions,
  };
  if (show(got) !== show(expected)) violated('records', `${phase}: GET /v1/tasks/${taskId}/stats says ${show(got)}, its contacts add up to ${show(expected)}`);

  const csv = await w.h.http().get(`/v1/tasks/${taskId}/contacts.csv`).set(as(firm)).buffer(true).parse((res, done) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => (text += chunk));
    res.on('end', () => done(null, text));
  });
  if (csv.status !== 200) throw new Error(`CSV export of task ${taskId} answered ${csv.status}`);
  const lines = String(csv.body).replace(/^\uFEFF/, '').split('\r\n').filter(Boolean);
  const header = lines[0].split(',');
  const col = (name: string) => header.indexOf(name);
  const rows = lines.slice(1).map((line) => line.split(','));
  if (rows.length !== contacts.length) violated('records', `${phase}: the CSV export of task ${taskId} has ${rows.length} rows for ${contacts.length} contacts`);
  const byRef = new Map(rows.map((row) => [row[col('candidate_ref')], row]));
  for (const c of contacts) {
    const row = byRef.get(c.candidateRef);
    const expectedRow = { attempts: String(c.attempts), callResult: RESULT_LABEL[c.callResult], intention: INTENTION_LABEL[c.intensionResult], calledAt: c.calledAt ?? '' };
    const gotRow = row && { attempts: row[col('attempts')], callResult: row[col('call_result')], intention: row[col('intention')], calledAt: row[col('called_at')] };
    if (show(gotRow) !== show(expectedRow)) violated('records', `${phase}: the CSV row of contact ${c.id} (${c.candidateRef}) of task ${taskId} is ${show(gotRow)}, the contact shows ${show(expectedRow)}`);
  }
}
