import { EntityManager } from 'typeorm';
import { parseDbDate } from '@app/database';
import { CheckName, checks, RELAY } from './config';
import { windowOpen } from './call-windows';
import {
  ContactPageResponse,
  ContactResponse,
  TaskPageResponse,
  TaskResponse,
  TaskStatsResponse,
  typed,
} from '../api-types';
import { DbRow } from '../db-rows';
import {
  as,
  botUsable,
  followUpsSettled,
  Model,
  Real,
  SimCampaign,
  simCampaign,
  simCampaigns,
  sleep,
  TaskModel,
  World,
} from './world';

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
  /** 1 when the record's conversation is stored (call_conversation), else 0. */
  said: number;
  /** 1 when the record's contact was erased (a candidate's erasure): its conversation is never kept. */
  erased: number;
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
  call_task_id: string | null;
  /** Withdrawn while a campaign held it (issue 22): 1 until that campaign is done with it. */
  withdraw_pending: number;
  /** When a waiting contact is due (ms since the epoch), null when at once. */
  next_attempt_at: number | null;
}

/** A webhook delivery as stored (times in ms since the epoch, by the service's clock; leases by the database's). */
export interface DeliveryRow {
  id: string;
  webhook_id: string;
  task_id: string | null;
  sequence: number | null;
  status: number;
  attempts: number;
  next_attempt_at: number;
  first_attempt_at: number | null;
  created_at: number;
  last_error: string | null;
  /** The event's type, null when the event row is gone (a batch row rendered meanwhile, or purged). */
  event_type: string | null;
  event_position: string | null;
}

/** The state of one run, read at one moment: database (one snapshot), API views, then the platform's truth. */
export interface Snapshot {
  at: Date;
  views: Map<string, TaskResponse>;
  /** The same tasks as GET /v1/tasks lists them. */
  listed: Map<string, TaskResponse>;
  callTasks: CallTaskRow[];
  records: RecordRow[];
  contacts: ContactRow[];
  counterRows: { counters: Record<string, string>; contacts: Record<string, string> };
  /** The tasks' status and pause reason, read in the same snapshot as their lifecycle events; `sync_after` for messages. */
  taskRows: { id: string; status: number; pause_reason: string | null; sync_after: string | null }[];
  /** Every pending webhook delivery (all runs: the model's endpoint receives every firm's events). */
  deliveries: DeliveryRow[];
  /** The model's endpoint is enabled (a disabled one's deliveries wait by design). */
  endpointEnabled: boolean;
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
/** Rows with every value a string (or null), but the `numeric` columns numbers: `T`, the row as the checks read it. */
const norm = <T>(rows: DbRow[], numeric: string[]): T[] =>
  rows.map((row) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(row)) out[k] = v === null ? null : numeric.includes(k) ? Number(v) : String(v);
    return out as T;
  });

/**
 * The state the checks read, taken while no campaign-end follow-up is launching a campaign: the API moves a task on
 * in the background as pushes arrive (CampaignEndFollower), and a snapshot read across one (the task's view before
 * the rollover, its call tasks after) shows a state that never existed. So it is taken once no follow-up holds a
 * lease, and again if the call tasks changed while it was read (a bounded number of times).
 */
export async function snapshot(m: Model, r: Real): Promise<Snapshot> {
  const ids = m.tasks.map((t) => t.id);
  for (let attempt = 0; ; attempt++) {
    await followUpsSettled(r.w);
    const before = await callTaskSignature(r.w, ids);
    const s = await readSnapshot(m, r);
    if (attempt >= 20 || ((await callTaskSignature(r.w, ids)) === before && (await followUpsIdle(r.w)))) return s;
    await sleep(20);
  }
}

async function callTaskSignature(w: World, ids: readonly string[]): Promise<string> {
  if (ids.length === 0) return '';
  const rows: unknown[] = await w.observer.query(
    `SELECT id, status, campaign_id FROM ai_visitor_call_task WHERE task_id IN (${ids.map(() => '?').join(', ')}) ORDER BY id`,
    [...ids],
  );
  return JSON.stringify(rows);
}

async function followUpsIdle(w: World): Promise<boolean> {
  const [row]: { n: string | number }[] = await w.observer.query(
    `SELECT COUNT(*) AS n FROM ai_visitor_task WHERE lease_owner LIKE '%:follow:%' AND lease_until IS NOT NULL`,
  );
  return Number(row.n) === 0;
}

async function readSnapshot(m: Model, r: Real): Promise<Snapshot> {
  const w = r.w;
  const ids = m.tasks.map((t) => t.id);
  const at = w.clock.now();
  const views = new Map<string, TaskResponse>();
  for (const task of m.tasks) {
    const res = typed<TaskResponse>(await w.h.http().get(`/v1/tasks/${task.id}`).set(as(m.firms[task.firm])));
    if (res.status !== 200)
      throw new Error(`GET /v1/tasks/${task.id} answered ${res.status} ${JSON.stringify(res.body)}`);
    views.set(task.id, res.body);
  }
  const listed = new Map<string, TaskResponse>();
  for (const firm of m.firms.filter((_, i) => m.tasks.some((t) => t.firm === i))) {
    const res = typed<TaskPageResponse>(await w.h.http().get('/v1/tasks').query({ pageSize: 100 }).set(as(firm)));
    if (res.status !== 200) throw new Error(`GET /v1/tasks answered ${res.status} ${JSON.stringify(res.body)}`);
    for (const item of res.body.items) listed.set(String(item.id), item);
  }
  const empty = {
    callTasks: [],
    records: [],
    contacts: [],
    counterRows: { counters: {}, contacts: {} },
    taskRows: [],
    lifecycle: [],
  };
  const db = await w.observer.transaction(async (manager) => ({
    ...(ids.length === 0 ? empty : await readDb(manager, ids)),
    ...(await readDeliveries(manager, w.webhookId)),
  }));
  const known = new Set(db.callTasks.map((c) => c.request_id));
  const runTasks = new Set(ids);
  const campaigns: SimCampaign[] = [];
  for (const summary of await simCampaigns(w)) {
    const named = /\btask (\d+)\b/.exec(summary.name ?? '')?.[1];
    if (known.has(summary.request_id) || (named && runTasks.has(named)))
      campaigns.push(await simCampaign(w, summary.campaign_id));
  }
  return { at, views, listed, ...db, campaigns };
}

/** A DATETIME as either driver returns it, or as an ISO string (a snapshot's own), in ms since the epoch. */
const ms = (value: unknown): number | null =>
  value === null || value === undefined
    ? null
    : typeof value === 'string' && value.includes('T')
      ? Date.parse(value)
      : parseDbDate(value as Date | string).getTime();

async function readDeliveries(
  manager: EntityManager,
  webhookId: string,
): Promise<Pick<Snapshot, 'deliveries' | 'endpointEnabled'>> {
  const rows = await manager.query<DbRow[]>(
    `SELECT d.id, d.webhook_id, d.task_id, d.sequence, d.status, d.attempts, d.next_attempt_at, d.first_attempt_at, d.created_at, d.last_error,
            e.type AS event_type, e.position AS event_position
       FROM ai_visitor_webhook_delivery d LEFT JOIN ai_visitor_event e ON e.id = d.event_pk
      WHERE d.status = 0 AND d.webhook_id = ? ORDER BY d.id`,
    [webhookId],
  );
  const deliveries = rows.map((row) => ({
    id: String(row.id),
    webhook_id: String(row.webhook_id),
    task_id: row.task_id === null ? null : String(row.task_id),
    sequence: row.sequence === null ? null : Number(row.sequence),
    status: Number(row.status),
    attempts: Number(row.attempts),
    next_attempt_at: ms(row.next_attempt_at)!,
    first_attempt_at: ms(row.first_attempt_at),
    created_at: ms(row.created_at)!,
    last_error: row.last_error === null ? null : String(row.last_error),
    event_type: row.event_type === null ? null : String(row.event_type),
    event_position: row.event_position === null ? null : String(row.event_position),
  }));
  const [endpoint]: { enabled: unknown }[] = await manager.query(
    'SELECT enabled FROM ai_visitor_webhook WHERE id = ?',
    [webhookId],
  );
  return { deliveries, endpointEnabled: Number(endpoint?.enabled) === 1 };
}

async function readDb(
  manager: EntityManager,
  ids: string[],
): Promise<Omit<Snapshot, 'at' | 'views' | 'listed' | 'campaigns' | 'deliveries' | 'endpointEnabled'>> {
  const marks = ids.map(() => '?').join(', ');
  const callTasks = norm<CallTaskRow>(
    await manager.query<DbRow[]>(
      `SELECT id, task_id, request_id, campaign_id, status FROM ai_visitor_call_task WHERE task_id IN (${marks})`,
      ids,
    ),
    ['status'],
  );
  const ctIds = callTasks.map((c) => c.id);
  const ctMarks = ctIds.length ? ctIds.map(() => '?').join(', ') : 'NULL';
  const records = norm<RecordRow>(
    await manager.query<DbRow[]>(
      `SELECT r.record_id, r.task_id, r.call_task_id, r.contact_id, r.call_result, r.intension_result,
              CASE WHEN v.call_record_id IS NULL THEN 0 ELSE 1 END AS said,
              CASE WHEN c.phone_key_id = '!erased' THEN 1 ELSE 0 END AS erased
         FROM ai_visitor_call_record r LEFT JOIN call_conversation v ON v.call_record_id = r.id
         JOIN ai_visitor_list c ON c.id = r.contact_id
        WHERE r.task_id IN (${marks}) OR r.call_task_id IN (${ctMarks})`,
      [...ids, ...ctIds],
    ),
    ['call_result', 'intension_result', 'said', 'erased'],
  );
  const contactRows = await manager.query<DbRow[]>(
    `SELECT id, task_id, candidate_ref, status, skip_reason, attempts, call_result, fail_reason, intension_result, record_id, call_task_id,
            withdraw_pending, next_attempt_at
     FROM ai_visitor_list WHERE task_id IN (${marks}) ORDER BY id`,
    ids,
  );
  const contacts = norm<Omit<ContactRow, 'next_attempt_at'>>(
    contactRows.map(({ next_attempt_at: _due, ...row }) => row),
    ['status', 'attempts', 'call_result', 'intension_result', 'withdraw_pending'],
  ).map((row, i) => ({ ...row, next_attempt_at: ms(contactRows[i].next_attempt_at) }));
  const key = (row: Record<string, unknown>) =>
    [row.task_id, row.status, row.call_result, row.intension_result, row.skip_reason ?? ''].map(String).join('/');
  const table = (rows: Record<string, unknown>[]) =>
    Object.fromEntries(
      rows.map((row) => [key(row), `${Number(row.contacts)} contacts, ${Number(row.attempts)} attempts`]),
    );
  const fromContacts = await manager.query<DbRow[]>(
    `SELECT task_id, status, call_result, intension_result, COALESCE(skip_reason, '') AS skip_reason, COUNT(*) AS contacts,
            SUM(attempts) AS attempts
     FROM ai_visitor_list WHERE task_id IN (${marks}) GROUP BY task_id, status, call_result, intension_result, COALESCE(skip_reason, '')`,
    ids,
  );
  const fromCounters = await manager.query<DbRow[]>(
    `SELECT task_id, status, call_result, intension_result, skip_reason, contacts, attempts FROM ai_visitor_task_stats
     WHERE task_id IN (${marks}) AND (contacts <> 0 OR attempts <> 0)`,
    ids,
  );
  const taskRows = norm<Snapshot['taskRows'][number]>(
    (
      await manager.query<DbRow[]>(
        `SELECT id, status, pause_reason, sync_after FROM ai_visitor_task WHERE id IN (${marks})`,
        ids,
      )
    ).map((row) => ({
      ...row,
      sync_after: row.sync_after === null ? null : new Date(ms(row.sync_after)!).toISOString(),
    })),
    ['status'],
  );
  const lifecycle = (
    await manager.query<
      { task_id: unknown; type: string; sequence: unknown; data: string | Record<string, unknown> }[]
    >(
      `SELECT task_id, type, sequence, data FROM ai_visitor_event WHERE task_id IN (${marks}) AND type LIKE 'task.%' ORDER BY task_id, sequence`,
      ids,
    )
  ).map((row) => ({
    ...row,
    task_id: String(row.task_id),
    sequence: Number(row.sequence),
  }));
  return {
    callTasks,
    records,
    contacts,
    counterRows: { counters: table(fromCounters), contacts: table(fromContacts) },
    taskRows,
    lifecycle,
  };
}

const show = (value: unknown) => JSON.stringify(value);

/** What a task's lifecycle events say it is, after each of them (domain/task-events.ts), and from what it may follow. */
const STORY: Record<string, { from: string[]; to: string }> = {
  // A schedule set, moved or taken back (issue 22): only a task not started has one.
  'task.scheduled': { from: ['not started'], to: 'not started' },
  'task.started': { from: ['not started'], to: 'running' },
  'task.paused': { from: ['running', 'paused'], to: 'paused' },
  'task.resumed': { from: ['paused'], to: 'running' },
  'task.completed': { from: ['running', 'paused'], to: 'completed' },
  'task.cancelled': { from: ['not started', 'running', 'paused'], to: 'cancelled' },
};
const TOLD: Record<number, string> = {
  1: 'not started',
  2: 'running',
  3: 'running',
  4: 'paused',
  5: 'completed',
  6: 'cancelled',
};

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
      if (e.type === 'task.updated') {
        // A settings edit (issue 22), not a status move: in sequence order, and the story goes on.
        if (e.sequence <= sequence) violated('lifecycleEvents', `${where} does not follow sequence ${sequence}`);
        sequence = e.sequence;
        continue;
      }
      if (e.sequence <= sequence) violated('lifecycleEvents', `${where} does not follow sequence ${sequence}`);
      else if (!step || !step.from.includes(told))
        violated('lifecycleEvents', `${where} follows a task the events said was ${told}`);
      else if (told === 'paused' && e.type === 'task.paused' && data.pauseReason === reason)
        violated('lifecycleEvents', `${where} repeats the pause (${show(reason)})`);
      sequence = e.sequence;
      if (step) told = step.to;
      reason = e.type === 'task.paused' ? data.pauseReason : null;
    }
    const is = TOLD[task.status];
    if (told !== is || (is === 'paused' && reason !== task.pause_reason)) {
      const said = told === 'paused' ? `${told} (${show(reason)})` : told;
      violated(
        'lifecycleEvents',
        `task ${task.id} is ${task.status} (pauseReason ${show(task.pause_reason)}), its lifecycle events say ${said}: ${show((events.get(task.id) ?? []).map((e) => e.type))}`,
      );
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
 *  8. a task's lifecycle events tell its story (checkLifecycleEvents);
 * and the progress invariant `attemptsBound` (checkAttemptsBound).
 */
export function checkAlways(m: Model, s: Snapshot): void {
  const taskIds = new Set(m.tasks.map((t) => t.id));
  // 1. campaigns <-> call tasks
  for (const c of s.campaigns) {
    const mine = s.callTasks.filter((ct) => ct.request_id === c.request_id);
    const named = /\btask (\d+)\b/.exec(c.name ?? '')?.[1];
    if (mine.length !== 1) {
      violated(
        'records',
        `remote campaign ${c.campaign_id} (${c.name}, status ${c.status}, ${c.records.length} records) maps to ${mine.length} call tasks by request_id ${c.request_id}`,
      );
      continue;
    }
    const ct = mine[0];
    if (!taskIds.has(ct.task_id) || (named && named !== ct.task_id)) {
      violated('records', `remote campaign ${c.campaign_id} (${c.name}) is recorded for task ${ct.task_id}`);
    }
    if (ct.campaign_id !== null && ct.campaign_id !== c.campaign_id) {
      violated(
        'records',
        `call task ${ct.id} holds campaign ${ct.campaign_id}, but its request_id made ${c.campaign_id}`,
      );
    }
    if (c.records.length > 0 && ct.campaign_id !== c.campaign_id) {
      violated(
        'records',
        `campaign ${c.campaign_id} dialled ${c.records.length} calls but call task ${ct.id} does not know it (campaign_id ${ct.campaign_id})`,
      );
    }
  }
  const byCampaign = new Map(s.campaigns.map((c) => [c.campaign_id, c]));
  for (const ct of s.callTasks) {
    if (ct.campaign_id && !byCampaign.has(ct.campaign_id)) {
      violated(
        'records',
        `call task ${ct.id} of task ${ct.task_id} holds campaign ${ct.campaign_id}, which the platform never made for it`,
      );
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
      violated(
        'records',
        `stored record ${rec.record_id} (call task ${rec.call_task_id}) is not a record of that call task's campaign ${ct?.campaign_id}`,
      );
      continue;
    }
    const expected = {
      contact_id: truth.ref,
      call_result: truth.call_result,
      intension_result: truth.call_result === 1 ? truth.intention : 0,
      task_id: ct!.task_id,
    };
    const got = {
      contact_id: rec.contact_id,
      call_result: rec.call_result,
      intension_result: rec.intension_result,
      task_id: rec.task_id,
    };
    if (show(expected) !== show(got))
      violated('records', `stored record ${rec.record_id} is ${show(got)}, the platform made ${show(expected)}`);
    // What the candidate said is stored with the record whenever the platform's record carried it, and never made up;
    // never for an erased contact (deleted at the erasure, not kept from a call that ended after it).
    const platformSaid = !rec.erased && (truth.recording_url || truth.transcript || truth.summary) ? 1 : 0;
    if (rec.said !== platformSaid)
      violated(
        'records',
        `stored record ${rec.record_id} ${rec.said ? 'has' : 'has no'} conversation; the platform's record ${platformSaid ? 'carried' : 'carried none'}`,
      );
  }
  // 3. one active call task per task
  const active = new Map<string, string[]>();
  for (const ct of s.callTasks)
    if ([0, 1, 2].includes(ct.status)) active.set(ct.task_id, [...(active.get(ct.task_id) ?? []), ct.id]);
  for (const [task, cts] of active)
    if (cts.length > 1) violated('oneActive', `task ${task} has ${cts.length} active call tasks: ${cts.join(', ')}`);
  // 4. counters
  if (show(sorted(s.counterRows.counters)) !== show(sorted(s.counterRows.contacts))) {
    violated(
      'counters',
      `statistics counters ${show(sorted(s.counterRows.counters))} differ from the contacts ${show(sorted(s.counterRows.contacts))}`,
    );
  }
  // 5. waitingFor / nextActionAt, in the task and in the list
  for (const [id, view] of s.views) {
    checkWaiting(id, view);
    const item = s.listed.get(id);
    if (!item) violated('responses', `task ${id} is missing from GET /v1/tasks`);
    // Read a few milliseconds apart, a wait on time may have ended in between: the list must say why the task
    // waits too, not necessarily in the same word.
    else if (
      item.status === view.status &&
      [2, 3, 4].includes(view.status) &&
      view.activeCampaign?.status !== 1 &&
      item.activeCampaign?.status !== 1 &&
      !(typeof item.waitingFor === 'string' && item.waitingFor.length > 0)
    ) {
      violated(
        'waitingFor',
        `GET /v1/tasks lists task ${id} (${item.status}, no campaign running) with no waitingFor (${show(item.waitingFor)}); GET /v1/tasks/${id} says ${show(view.waitingFor)}`,
      );
    }
  }
  // 8. lifecycle events
  checkLifecycleEvents(s);
  // issue 22: a task is never started by its schedule before its time
  checkScheduledNotEarly(s.views, s.at);
  // progress: nobody dialled beyond their attempts and callbacks
  checkAttemptsBound(m, s);
  // issue 22: withdrawn contacts
  checkWithdrawals(m, s);
}

/**
 * Never before `at` (issue 22): a task whose `startAt` the schedule kept (a plain start clears it) is started only once
 * the service's clock has reached it. `now` is the service clock when the views were read (it only moves forward).
 */
export function checkScheduledNotEarly(
  views: ReadonlyMap<string, { status: number; startAt?: string | null }>,
  now: Date,
): void {
  if (!checks('scheduledStart')) return;
  for (const [id, v] of views) {
    if (v.status !== 1 && v.startAt && Date.parse(v.startAt) > now.getTime())
      violated(
        'scheduledStart',
        `task ${id} is ${v.status} although its schedule (startAt ${v.startAt}) has not come: it is ${now.toISOString()}`,
      );
  }
}

function sorted(o: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
}

export function checkWaiting(id: string, view: TaskResponse): void {
  if ([2, 3, 4].includes(view.status) && view.activeCampaign?.status !== 1) {
    if (typeof view.waitingFor !== 'string' || view.waitingFor.length === 0) {
      violated(
        'waitingFor',
        `task ${id} is ${view.status} (pauseReason ${view.pauseReason}) with no campaign running (activeCampaign ${show(view.activeCampaign)}) and states no waitingFor (${show(view.waitingFor)})`,
      );
    } else if (
      TIME_BASED.includes(view.waitingFor) &&
      !(typeof view.nextActionAt === 'string' && !Number.isNaN(Date.parse(view.nextActionAt)))
    ) {
      violated('waitingFor', `task ${id} waits for ${view.waitingFor} but nextActionAt is ${show(view.nextActionAt)}`);
    }
  }
  if (
    view.status === 4 &&
    view.pauseReason === 'platform_rejected' &&
    !(typeof view.lastError === 'string' && view.lastError.length > 0)
  ) {
    violated(
      'waitingFor',
      `task ${id} is paused as platform_rejected without the platform's lastError (${show(view.lastError)})`,
    );
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
      violated(
        'dialling',
        `campaign ${c.campaign_id} dials (${c.dialled_count}/${c.contact_count}) with no task of this run behind it`,
      );
      continue;
    }
    const why: string[] = [];
    if (![2, 3].includes(view.status)) why.push(`task ${task.id} is ${view.status} (pauseReason ${view.pauseReason})`);
    // A task still "starting" (2) whose new campaign's call task is 0 is a launch in flight: the platform started it
    // and the confirm is on its way (a campaign-end follow-up in the API runs beside the model's steps, as pushes
    // arrive). The bounded-start rule below is what keeps a task from staying so.
    const launching = view.status === 2 && ct.status === 0;
    if (ct.status !== 1 && !launching)
      why.push(`its call task ${ct.id} is ${ct.status} (task ${task.id} is ${view.status})`);
    if (!windowOpen(task.window, passStartedAt))
      why.push(`the ${task.window} window was closed at ${passStartedAt.toISOString()}`);
    if (!botUsable(m.firms[task.firm], passStartedAt)) why.push(`the firm's BOT was ${show(m.firms[task.firm].bot)}`);
    if (why.length)
      violated(
        'dialling',
        `after a healthy pass campaign ${c.campaign_id} still dials (${c.dialled_count}/${c.contact_count}) although ${why.join(' and ')}; the task as the API shows it: ${show(view)}; its call tasks: ${show(s.callTasks.filter((x) => x.task_id === task.id))}`,
      );
  }
  for (const task of m.tasks) {
    const view = s.views.get(task.id);
    const stuck =
      view?.status === 2 && windowOpen(task.window, passStartedAt) && botUsable(m.firms[task.firm], passStartedAt);
    m.startingStreak[task.id] = stuck ? (m.startingStreak[task.id] ?? 0) + 1 : 0;
    if (m.startingStreak[task.id] > STARTING_PASSES) {
      violated(
        'boundedStart',
        `task ${task.id} is still "starting" (2) after ${m.startingStreak[task.id]} healthy passes (refusal ${m.refuse}): ${show({ pauseReason: view!.pauseReason, activeCampaign: view!.activeCampaign, lastError: view!.lastError })}`,
      );
    }
  }
}

/**
 * Invariant 1 in full, once the platform has been healthy and the passes have read everything: every record the
 * platform made for the given tasks' campaigns is stored, and is on its contact (latest call's result), in the
 * contact list, in the statistics and in the CSV export. A contact with no record has no result, unless a
 * finished campaign never reported it (`not_dialled`). A finished task (5/6) has no contact waiting or in a campaign.
 */
export async function checkResultsComplete(
  m: Model,
  r: Real,
  s: Snapshot,
  taskIds: string[],
  phase: string,
): Promise<void> {
  const stored = new Set(s.records.map((x) => x.record_id));
  const ctByRequest = new Map(s.callTasks.map((ct) => [ct.request_id, ct]));
  for (const taskId of taskIds) {
    const task = m.tasks.find((t) => t.id === taskId)!;
    const firm = m.firms[task.firm];
    const view = s.views.get(taskId)!;
    const campaigns = s.campaigns.filter((c) => ctByRequest.get(c.request_id)?.task_id === taskId);
    const truth = campaigns.flatMap((c) => c.records.map((rec) => ({ ...rec, campaign: c.campaign_id })));
    const missing = truth.filter((rec) => !stored.has(rec.record_id));
    if (missing.length) {
      violated(
        'records',
        `${phase}: task ${taskId} (status ${view.status}, pauseReason ${view.pauseReason}) never stored ${missing.length} of the ${truth.length} records its campaigns made: ${missing
          .slice(0, 5)
          .map((x) => `${x.record_id} (contact ${x.ref}, result ${x.call_result}/${x.intention})`)
          .join(', ')}`,
      );
    }
    const apiContacts = await allContacts(r.w, firm, taskId);
    const apiById = new Map(apiContacts.map((c) => [String(c.id), c]));
    const rows = s.contacts.filter((c) => c.task_id === taskId);
    for (const row of rows) {
      const api = apiById.get(row.id);
      const calls = truth
        .filter((rec) => rec.ref === row.id)
        .sort((a, b) => a.called_at.localeCompare(b.called_at) || a.record_id.localeCompare(b.record_id));
      const where = `${phase}: contact ${row.id} (${row.candidate_ref}) of task ${taskId} (status ${view.status})`;
      if (!api) {
        violated('records', `${where} is missing from GET /v1/tasks/${taskId}/contacts`);
        continue;
      }
      const dbSide = {
        status: row.status,
        attempts: row.attempts,
        callResult: row.call_result,
        intensionResult: row.intension_result,
        failReason: row.fail_reason,
        skipReason: row.skip_reason,
      };
      const apiSide = {
        status: api.status,
        attempts: api.attempts,
        callResult: api.callResult,
        intensionResult: api.intensionResult,
        failReason: api.failReason,
        skipReason: api.skipReason,
      };
      if (show(dbSide) !== show(apiSide))
        violated('records', `${where}: the API shows ${show(apiSide)}, the database ${show(dbSide)}`);
      if (row.attempts < calls.length)
        violated('records', `${where} shows ${row.attempts} attempts, the platform called it ${calls.length} times`);
      const last = calls[calls.length - 1];
      const notDialled = row.fail_reason === 'not_dialled';
      if (last && !notDialled) {
        const expected = {
          recordId: last.record_id,
          callResult: last.call_result,
          intensionResult: last.call_result === 1 ? last.intention : 0,
          calledAt: last.called_at,
        };
        const got = {
          recordId: row.record_id,
          callResult: row.call_result,
          intensionResult: row.intension_result,
          calledAt: api.calledAt,
        };
        if (show(expected) !== show(got)) {
          violated(
            'records',
            `${where} (status ${row.status}, skipReason ${row.skip_reason}) shows ${show(got)}, but the platform's latest call of it was ${show(expected)} in campaign ${last.campaign}`,
          );
        }
      }
      if (!last && row.call_result !== 0 && !notDialled)
        violated('records', `${where} shows call result ${row.call_result} but the platform never called it`);
      // Done without ever being called: only as a contact finished campaigns never reported (an attempt spent each time).
      if (!last && row.status === 3 && !(notDialled && row.attempts >= 1)) {
        violated(
          'records',
          `${where} is done (attempts ${row.attempts}, failReason ${row.fail_reason}) but the platform never called it`,
        );
      }
      if ([5, 6].includes(view.status) && ![3, 4].includes(row.status))
        violated('records', `${where} is still ${row.status} although its task finished (${view.status})`);
    }
    if (apiContacts.length !== rows.length)
      violated(
        'records',
        `${phase}: task ${taskId} lists ${apiContacts.length} contacts, the database holds ${rows.length}`,
      );
    await checkStatsAndExport(r, firm, taskId, apiContacts, phase);
  }
}

async function allContacts(w: World, firm: Model['firms'][number], taskId: string): Promise<ContactResponse[]> {
  const items: ContactResponse[] = [];
  for (let page = 1; ; page++) {
    const res = typed<ContactPageResponse>(
      await w.h.http().get(`/v1/tasks/${taskId}/contacts`).query({ page, pageSize: 500 }).set(as(firm)),
    );
    if (res.status !== 200) throw new Error(`GET contacts of task ${taskId} answered ${res.status}`);
    items.push(...res.body.items);
    if (items.length >= res.body.total || res.body.items.length === 0) return items;
  }
}

const RESULT_LABEL: Record<number, string> = { 0: '', 1: '成功 connected', 2: '失败 failed' };
const INTENTION_LABEL: Record<number, string> = {
  0: '',
  1: '有意向 interested',
  2: '不考虑 not considering',
  3: '不方便 inconvenient',
  4: '号码错误 wrong number',
};

/** The statistics and the CSV export against the contact list (which the checks above tie to the platform). */
async function checkStatsAndExport(
  r: Real,
  firm: Model['firms'][number],
  taskId: string,
  contacts: ContactResponse[],
  phase: string,
): Promise<void> {
  const w = r.w;
  const stats = typed<TaskStatsResponse>(await w.h.http().get(`/v1/tasks/${taskId}/stats`).set(as(firm))).body;
  const count = (f: (c: ContactResponse) => boolean) => contacts.filter(f).length;
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
    total: stats.total,
    waiting: stats.waiting,
    inCampaign: stats.inCampaign,
    done: stats.done,
    skipped: stats.skipped,
    connected: stats.connected,
    failed: stats.failed,
    attempts: stats.attempts,
    intentions: stats.intentions,
  };
  if (show(got) !== show(expected))
    violated(
      'records',
      `${phase}: GET /v1/tasks/${taskId}/stats says ${show(got)}, its contacts add up to ${show(expected)}`,
    );

  const csv = await w.h
    .http()
    .get(`/v1/tasks/${taskId}/contacts.csv`)
    .set(as(firm))
    .buffer(true)
    .parse((res, done) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => done(null, text));
    });
  if (csv.status !== 200) throw new Error(`CSV export of task ${taskId} answered ${csv.status}`);
  const lines = String(csv.body)
    .replace(/^\uFEFF/, '')
    .split('\r\n')
    .filter(Boolean);
  const header = lines[0].split(',');
  const col = (name: string) => header.indexOf(name);
  const rows = lines.slice(1).map((line) => line.split(','));
  if (rows.length !== contacts.length)
    violated(
      'records',
      `${phase}: the CSV export of task ${taskId} has ${rows.length} rows for ${contacts.length} contacts`,
    );
  const byRef = new Map(rows.map((row) => [row[col('candidate_ref')], row]));
  for (const [i, c] of contacts.entries()) {
    // An erased contact has no reference left: found by its place (the list and the export are both in id order).
    const row = c.candidateRef === null ? rows[i] : byRef.get(c.candidateRef);
    const expectedRow = {
      attempts: String(c.attempts),
      callResult: RESULT_LABEL[c.callResult],
      intention: INTENTION_LABEL[c.intensionResult],
      calledAt: c.calledAt ?? '',
    };
    const gotRow = row && {
      attempts: row[col('attempts')],
      callResult: row[col('call_result')],
      intention: row[col('intention')],
      calledAt: row[col('called_at')],
    };
    if (show(gotRow) !== show(expectedRow))
      violated(
        'records',
        `${phase}: the CSV row of contact ${c.id} (${c.candidateRef}) of task ${taskId} is ${show(gotRow)}, the contact shows ${show(expectedRow)}`,
      );
  }
}

// ---- progress (issue 20, item 7; SPEC "Progress bounds", K = 1 pass) -------------------------------------------
//
// Safety (nothing lost, nothing doubled) is half of the promise; these check the other half: nothing that has work
// waits. Each compares the state read at the end of the step before (`before`: what a pass finds when it starts;
// nothing but the platform's dialling and its pushes moves in between) with the state after the step.

const ACTIVE = [0, 1, 2];
const REMOTE_FINISHED = 3;

/** The platform's campaign of a call task, when the service knows its id. */
function campaignOf(s: Snapshot, ct: CallTaskRow): SimCampaign | undefined {
  return ct.campaign_id ? s.campaigns.find((c) => c.campaign_id === ct.campaign_id) : undefined;
}

function taskLine(s: Snapshot, taskId: string): string {
  const v = s.views.get(taskId);
  const row = s.taskRows.find((t) => t.id === taskId);
  return `task ${taskId} (${v?.status}${v?.pauseReason ? `/${v.pauseReason}` : ''}, waitingFor ${show(v?.waitingFor)}, sync_after ${row?.sync_after ?? null})`;
}

/**
 * Progress invariant `campaignMovedOn` (after a sync pass, and after an edge pass, on a healthy platform): a campaign
 * the platform reported finished when the pass started, of a task in 2/3/4 (2/3 for the edge pass, whose bound is
 * for running tasks) whose call task knows the campaign, is
 * closed after the pass (read to its last record; then the next campaign opens or the task completes). No lease and
 * no claim order may leave it for later. The edge pass is included because the service bounds a campaign whose end
 * no push reveals (a lost push, an undialled contact) by the worker's next one-minute edge check (issue 20, item 1;
 * docs/architecture.md, "Progress bounds"). A sync pass is not held to a task its pushes made quiet (`sync_after`
 * ahead of the pass: pushes keep coming and its campaign still has contacts waiting): that table bounds such a task
 * by the pushes (`checkMovedOnAfterPush`) and by the minute check, which this checks after every edge pass.
 */
export function checkCampaignMovedOn(
  before: Snapshot | undefined,
  after: Snapshot,
  what: 'sync pass' | 'edge pass',
  passStartedAt?: Date,
): void {
  if (!before) return;
  // The edge check's bound is for running tasks (issue 20, item 1); a sync pass moves paused ones on too.
  const statuses: (number | undefined)[] = what === 'edge pass' ? [2, 3] : [2, 3, 4];
  // Read in both snapshots: a push landing between the snapshot before and the pass's claim makes it quiet too.
  const pushQuiet = (taskId: string): boolean =>
    what === 'sync pass' &&
    passStartedAt !== undefined &&
    [before, after].some((snap) => {
      const due = ms(snap.taskRows.find((t) => t.id === taskId)?.sync_after);
      return due !== null && due > passStartedAt.getTime();
    });
  for (const ct of before.callTasks) {
    if (!ACTIVE.includes(ct.status) || !statuses.includes(before.views.get(ct.task_id)?.status)) continue;
    if (pushQuiet(ct.task_id)) continue;
    const campaign = campaignOf(before, ct);
    if (campaign?.status !== REMOTE_FINISHED) continue;
    const now = after.callTasks.find((x) => x.id === ct.id);
    if (now && ACTIVE.includes(now.status)) {
      violated(
        'campaignMovedOn',
        `campaign ${campaign.campaign_id} (call task ${ct.id}) of ${taskLine(before, ct.task_id)} was finished on the platform (${campaign.records.length} records of ${campaign.contact_count} contacts) when a healthy ${what} started${passStartedAt ? ` (${passStartedAt.toISOString()})` : ''}; after it the call task is still ${now.status}, ${taskLine(after, ct.task_id)}`,
      );
    }
  }
}

/**
 * The call tasks of running tasks (2/3) a push has revealed finished: active, the platform reports the campaign finished, and every one of
 * its contacts has its result for that campaign stored (which, with the campaign's last page read by a pass, would
 * have closed it: so the pushes stored them). `checkMovedOnAfterPush` gives the service `PROGRESS.pushFollowUpMs`.
 */
export function revealedByPush(s: Snapshot): CallTaskRow[] {
  return s.callTasks.filter((ct) => {
    if (!ACTIVE.includes(ct.status) || !([2, 3] as (number | undefined)[]).includes(s.views.get(ct.task_id)?.status))
      return false;
    const campaign = campaignOf(s, ct);
    if (campaign?.status !== REMOTE_FINISHED || !campaign.contacts?.length) return false;
    const stored = new Set(s.records.filter((rec) => rec.call_task_id === ct.id).map((rec) => rec.contact_id));
    return campaign.contacts.every((c) => stored.has(String(c.ref)));
  });
}

/**
 * Progress invariant `campaignMovedOn`, push half (after any step on a healthy platform): a campaign whose end the
 * pushes of this step revealed (`revealedByPush`, not yet revealed at the step before) has been moved on once the
 * service's push follow-up had its time (`awaitPushFollowUp`); `after` is read once that wait is over.
 */
export function checkMovedOnAfterPush(
  revealed: CallTaskRow[],
  before: Snapshot,
  after: Snapshot,
  waitedMs: number,
): void {
  for (const ct of revealed) {
    const now = after.callTasks.find((x) => x.id === ct.id);
    if (now && ACTIVE.includes(now.status)) {
      const campaign = campaignOf(before, ct)!;
      violated(
        'campaignMovedOn',
        `pushes stored the result of every contact of campaign ${campaign.campaign_id} (call task ${ct.id}, ${campaign.contact_count} contacts), which the platform reports finished, on a healthy platform; ${waitedMs} ms later the call task is still ${now.status}: ${taskLine(after, ct.task_id)}`,
      );
    }
  }
}

/**
 * Progress invariant `dueWork` (after a healthy sync pass): each task with due work when the pass started has
 * acted on it, whatever the number of live tasks and the claim batch (SYNC_CONCURRENCY 1: 4 tasks a claim):
 *  - a cancelled task still reading (its active call task's campaign finished on the platform, or never created):
 *    its call task is closed after the pass, its records read (the SPEC's "a cancelled task's remaining records
 *    are read whatever the number of live tasks");
 *  - a task in progress (3) with no campaign, contacts due now, its window open and its BOT usable: it has a new
 *    campaign (or has moved on to another status) after the pass.
 */
export function checkDueWork(m: Model, before: Snapshot | undefined, after: Snapshot, passStartedAt: Date): void {
  if (!before) return;
  for (const ct of before.callTasks) {
    if (!ACTIVE.includes(ct.status) || before.views.get(ct.task_id)?.status !== 6) continue;
    const campaign = campaignOf(before, ct);
    if (ct.campaign_id && campaign?.status !== REMOTE_FINISHED) continue;
    const now = after.callTasks.find((x) => x.id === ct.id);
    if (now && ACTIVE.includes(now.status)) {
      const live = [...before.views.values()].filter((v) => [2, 3, 4].includes(v.status)).length;
      violated(
        'dueWork',
        `cancelled task ${ct.task_id}'s call task ${ct.id} (campaign ${ct.campaign_id ?? 'never created'}${campaign ? `, finished on the platform with ${campaign.records.length} records` : ''}) was left to read when a healthy pass started; after it the call task is still ${now.status} (${live} tasks of the run in 2/3/4, claim batch 4)`,
      );
    }
  }
  if (m.refuse) return;
  for (const task of m.tasks) {
    const v = before.views.get(task.id);
    if (v?.status !== 3 || v.activeCampaign) continue;
    if (before.callTasks.some((ct) => ct.task_id === task.id && ACTIVE.includes(ct.status))) continue;
    if (!windowOpen(task.window, passStartedAt) || !botUsable(m.firms[task.firm], passStartedAt)) continue;
    const due = before.contacts.filter(
      (c) =>
        c.task_id === task.id &&
        c.status === 1 &&
        (c.next_attempt_at === null || c.next_attempt_at <= passStartedAt.getTime()),
    );
    if (due.length === 0) continue;
    const after_ = after.views.get(task.id);
    const opened = after.callTasks.some(
      (ct) => ct.task_id === task.id && !before.callTasks.some((x) => x.id === ct.id),
    );
    if (after_?.status === 3 && !opened) {
      violated(
        'dueWork',
        `${taskLine(before, task.id)} had no campaign and ${due.length} contact(s) due (${due.map((c) => c.id).join(', ')}) with its ${task.window} window open when a healthy pass started; after it no campaign was opened: ${taskLine(after, task.id)}`,
      );
    }
  }
}

/**
 * Progress invariant `stoppedWithinOnePass` (after a healthy sync pass): a task paused or cancelled (4 or 6) before
 * the pass and still so after it has no campaign dialling on the platform (status 1 with contacts left), whatever
 * the call task's local status says (a start whose reply was lost still started the campaign) and whether pushes
 * keep its sync quiet. (Invariant 2, `dialling`, checks the same state after the pass, with windows and BOT.)
 */
export function checkStoppedWithinOnePass(m: Model, before: Snapshot | undefined, after: Snapshot): void {
  if (!before) return;
  const byRequest = new Map(after.callTasks.map((ct) => [ct.request_id, ct]));
  for (const c of after.campaigns) {
    if (!(c.status === 1 && c.dialled_count < c.contact_count)) continue;
    const ct = byRequest.get(c.request_id);
    if (!ct) continue;
    const was = before.views.get(ct.task_id)?.status;
    const is = after.views.get(ct.task_id)?.status;
    const stopped: (number | undefined)[] = [4, 6];
    if (stopped.includes(was) && stopped.includes(is)) {
      violated(
        'stoppedWithinOnePass',
        `campaign ${c.campaign_id} (call task ${ct.id}, local status ${ct.status}) still dials (${c.dialled_count}/${c.contact_count}) after a healthy pass although ${taskLine(before, ct.task_id)} was paused or cancelled before it (after: ${taskLine(after, ct.task_id)})`,
      );
    }
  }
}

/**
 * Progress invariant `attemptsBound` (after every step): no contact has been dialled (a record on the platform, over
 * all of its task's campaigns) more than its attempts plus callbacks allow: a failed call is retried while attempts
 * remain (maxAttempts), a connected "inconvenient now" gets one callback (MAX_INCONVENIENT_CALLBACKS), any other
 * connected call is final. A campaign that goes on dialling after its task stopped wanting it, or a contact in two
 * campaigns, shows here.
 */
export function checkAttemptsBound(m: Model, s: Snapshot): void {
  const taskOf = new Map(s.callTasks.map((ct) => [ct.request_id, ct.task_id]));
  const calls = new Map<
    string,
    { task: string; at: string; id: string; result: number; intention: number; request: string }[]
  >();
  for (const c of s.campaigns) {
    const task = taskOf.get(c.request_id);
    if (!task) continue;
    for (const rec of c.records)
      calls.set(rec.ref, [
        ...(calls.get(rec.ref) ?? []),
        {
          task,
          at: rec.called_at,
          id: rec.record_id,
          result: rec.call_result,
          intention: rec.intention,
          request: c.request_id,
        },
      ]);
  }
  for (const [ref, list] of calls) {
    const task = m.tasks.find((t) => t.id === list[0].task);
    if (!task) continue;
    list.sort((a, b) => a.at.localeCompare(b.at) || a.id.localeCompare(b.id));
    let failed = 0;
    let callbacks = 0;
    let final = false;
    for (const [i, call] of list.entries()) {
      if (final) {
        violated(
          'attemptsBound',
          `contact ${ref} of task ${task.id} (maxAttempts ${task.maxAttempts}) was dialled ${list.length} times; call ${i + 1} (${call.id}) came after its outcome was final: ${show(list.map((x) => `${x.id} ${x.result}/${x.intention}`))}`,
        );
        break;
      }
      if (call.result === 1) {
        if (call.intention === 3 && callbacks < 1) callbacks++;
        else final = true;
      } else if (++failed >= attemptLimit(task, list[i + 1]?.request)) final = true;
    }
  }
}

/**
 * The `maxAttempts` a call of the task's campaign `request` is held to (issue 22): the task's first value, then
 * each edit's new value for a campaign the task did not have yet when that edit was answered (a campaign prepared
 * before an edit may still make the calls it was given). Without a next call, the task's current value.
 */
function attemptLimit(task: TaskModel, request: string | undefined): number {
  const edits = task.attemptEdits ?? [];
  if (request === undefined || edits.length === 0) return task.maxAttempts;
  let limit = edits[0].from;
  for (const edit of edits) {
    if (edit.known.has(request)) break;
    limit = edit.to;
  }
  return limit;
}

/**
 * Issue 22, check `withdrawn` (after every step): a withdrawn contact is never dialled by a campaign the task did not
 * have when its withdrawal was answered (one holding it then may still call it); and a contact marked for withdrawal
 * (`withdraw_pending`) is in a campaign still active: the campaign's close withdraws it.
 */
export function checkWithdrawals(m: Model, s: Snapshot): void {
  const taskOf = new Map(s.callTasks.map((ct) => [ct.request_id, ct.task_id]));
  for (const task of m.tasks) {
    if (!task.withdrawn?.size) continue;
    for (const c of s.campaigns) {
      if (taskOf.get(c.request_id) !== task.id) continue;
      for (const rec of c.records) {
        const known = task.withdrawn.get(rec.ref);
        if (known && !known.has(c.request_id))
          violated(
            'withdrawn',
            `contact ${rec.ref} of task ${task.id}, withdrawn, was dialled (${rec.record_id}) by campaign ${c.campaign_id}, made after its withdrawal`,
          );
      }
    }
  }
  const active = new Set(s.callTasks.filter((ct) => [0, 1, 2].includes(ct.status)).map((ct) => ct.id));
  for (const c of s.contacts) {
    if (c.withdraw_pending !== 1) continue;
    if (c.status !== 2 || !c.call_task_id || !active.has(c.call_task_id))
      violated(
        'withdrawn',
        `contact ${c.id} of task ${c.task_id} is still marked for withdrawal (status ${c.status}, call task ${c.call_task_id}) although no active campaign holds it`,
      );
  }
}

/**
 * Progress invariants of the webhook relay (after relay rounds started at `startedAt`, by the service's clock):
 *  - `deliveryDue`: every pending delivery to the (enabled) endpoint that could be sent when the rounds started
 *    (due, and first of its task's pending events for the endpoint; an event of no task, or one the task's order
 *    cannot place, counts as first) has been acted on: delivered, given up, or attempted again. A delivery no round
 *    ever claims (its event never rendered, or gone) is pending for ever and breaks this at once.
 *  - `deliveryHorizon`: no delivery so acted on is still pending with its first attempt more than
 *    WEBHOOK_RETRY_HOURS before the rounds started: it was retried past its retry horizon.
 */
export function checkDeliveries(before: Snapshot | undefined, after: Snapshot, startedAt: Date): void {
  if (!before || !before.endpointEnabled || !after.endpointEnabled) return;
  const t0 = startedAt.getTime();
  const heads = new Map<string, number>();
  for (const d of before.deliveries) {
    if (d.task_id === null || d.sequence === null) continue;
    const key = `${d.webhook_id}/${d.task_id}`;
    heads.set(key, Math.min(heads.get(key) ?? Number.POSITIVE_INFINITY, d.sequence));
  }
  const afterById = new Map(after.deliveries.map((d) => [d.id, d]));
  for (const d of before.deliveries) {
    if (d.next_attempt_at > t0) continue;
    const first = d.task_id === null || d.sequence === null || heads.get(`${d.webhook_id}/${d.task_id}`) === d.sequence;
    if (!first) continue;
    const now = afterById.get(d.id);
    if (!now) continue; // delivered or given up
    const what = `delivery ${d.id} (event ${d.event_type ?? 'gone'}, task ${d.task_id}, sequence ${d.sequence}, position ${d.event_position}, attempts ${d.attempts}, created ${new Date(d.created_at).toISOString()})`;
    if (now.attempts === d.attempts) {
      violated(
        'deliveryDue',
        `${what} was due and first of its task's pending events when relay rounds started at ${startedAt.toISOString()}; after them it is still pending, never tried (lastError ${show(now.last_error)})`,
      );
    } else if (now.first_attempt_at !== null && now.first_attempt_at <= t0 - RELAY.retryHours * 3_600_000) {
      violated(
        'deliveryHorizon',
        `${what} is still pending after relay rounds at ${startedAt.toISOString()}, its first attempt at ${new Date(now.first_attempt_at).toISOString()}: past its retry horizon (${RELAY.retryHours} h)`,
      );
    }
  }
}
