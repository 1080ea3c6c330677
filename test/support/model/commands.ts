import fc from 'fast-check';
import { RunSyncPass } from '@app/task';
import { asAdmin } from '../harness';
import { checks, enabled, FeatureName, PLATFORM, RELAY, SIZE } from './config';
import { nextShanghai, windowOpen, WindowKind, WINDOWS } from './call-windows';
import {
  checkAfterHealthyPass,
  checkAlways,
  checkCampaignMovedOn,
  checkDeliveries,
  checkDueWork,
  checkMovedOnAfterPush,
  checkStoppedWithinOnePass,
  revealedByPush,
  snapshot,
  Snapshot,
  violated,
} from './invariants';
import { awaitPushFollowUp, checkPushesAnswered } from './progress';
import { checkErasures, eraseCandidateArbitrary } from './commands-erasure';
import { PushFaults } from './push-proxy';
import { editCommandEntries } from './commands-edit';
import {
  as,
  BotState,
  botRefusal,
  botUsable,
  edgePass,
  errorsSince,
  Faults,
  grant,
  Model,
  NEVER_DIALLED_PREFIX,
  note,
  pass,
  Real,
  relayRounds,
  setFaults,
  setPush,
  setLatency,
  sleep,
  taskDialling,
} from './world';
import {
  AddContactsResponse,
  ApiError,
  bodyOf,
  CreateTaskResponse,
  RedeliveryResponse,
  TaskResponse,
  TaskStatsResponse,
  typed,
} from '../api-types';

type Answer = { status: number; body: unknown };
/** What the model reads of any answer: the error's code. */
const codeOf = (res: Answer) => bodyOf<Partial<ApiError> | undefined>(res)?.code;
/** What a command did, and which checks its kind adds (a healthy sync pass, a healthy edge pass, relay rounds). */
type Outcome = { text: string; healthyPassAt?: Date; healthyEdgePass?: boolean; relayStartedAt?: Date };
type Allowed = [number, string?][];

const show = (value: unknown) => JSON.stringify(value);
const brief = (res: Answer) => `${res.status}${codeOf(res) ? ` ${codeOf(res)}` : ''}`;

/** The platform is healthy now: no faults injected, hung requests landed and the gateway's breaker closed again. */
export function healthy(m: Model): boolean {
  return m.faults === null && Date.now() >= m.healthyFrom;
}

/**
 * Whether two writers may run at once in this one test process. Not on the embedded SQLite database: its driver
 * is synchronous, so a connection waiting for the write lock blocks the whole process, the holder included, until
 * the 10 s busy timeout (separate processes, as deployed, just wait). There the concurrent commands run their two
 * parts back to back; MariaDB, where several workers are supported, runs them at once.
 */
function inProcessConcurrency(r: Real): boolean {
  return r.w.h.db.kind === 'mysql';
}

/** The error codes a command may answer whatever the task: a database busy through its retries. */
const ALWAYS_ALLOWED: Allowed = [[503, 'DATABASE_BUSY']];
/** What a command that calls the platform may answer while the platform fails (faults on, or refusing). */
const PLATFORM_FAILURES: Allowed = [
  [502, 'ROBOT_CALL_UNAVAILABLE'],
  [502, 'ROBOT_CALL_REJECTED'],
  [504, 'ROBOT_CALL_TIMEOUT'],
];

function expectAnswer(what: string, res: Answer, allowed: Allowed): boolean {
  const ok = [...allowed, ...ALWAYS_ALLOWED].some(
    ([status, code]) => res.status === status && (code === undefined || codeOf(res) === code),
  );
  if (!ok)
    violated(
      'responses',
      `${what} answered ${res.status} ${show(res.body)}; the model allows ${show(allowed.map(([s, c]) => (c ? `${s} ${c}` : String(s))))}`,
    );
  return ok;
}

/**
 * Every command: act on the real system (checking the answer against what the model allows), then read the run's
 * whole state and check the invariants that hold after every step; passes on a healthy platform check more.
 */
export abstract class ModelCommand implements fc.AsyncCommand<Model, Real> {
  check(_m: Readonly<Model>): boolean {
    return true;
  }

  abstract act(m: Model, r: Real): Promise<Outcome>;

  async run(m: Model, r: Real): Promise<void> {
    r.step++;
    const started = Date.now();
    const before = r.last;
    const healthyBefore = healthy(m) && !m.refuse;
    let outcome: Outcome;
    try {
      outcome = await this.act(m, r);
    } catch (error) {
      note(r, `#${r.step} ${this.toString()} → ${(error as Error).message}`);
      throw error;
    }
    const acted = Date.now();
    let s = await snapshot(m, r);
    note(r, `#${r.step} ${this.toString()} → ${outcome.text} [${acted - started}+${Date.now() - acted} ms]`);
    for (const [id, v] of s.views) m.observed[id] = v.status;
    r.last = s;
    checkAlways(m, s);
    await checkErasures(r, s);
    if (outcome.healthyPassAt) {
      checkStoppedWithinOnePass(m, before, s);
      checkDueWork(m, before, s, outcome.healthyPassAt);
      checkCampaignMovedOn(before, s, 'sync pass', outcome.healthyPassAt);
      checkAfterHealthyPass(m, s, outcome.healthyPassAt);
    }
    if (outcome.healthyEdgePass) checkCampaignMovedOn(before, s, 'edge pass');
    if (outcome.relayStartedAt) checkDeliveries(before, s, outcome.relayStartedAt);
    s = await this.pushFollowUp(m, r, before, s, healthyBefore);
    r.last = s;
    if (this.databaseStaysUp) checkPushesAnswered(r);
    else {
      r.w.pushProxy.takeAnswers();
      r.pushesHeldFrom = performance.now();
    }
  }

  /**
   * Campaigns whose end this step's pushes revealed, on a platform healthy throughout the step: the service has
   * PROGRESS.pushFollowUpMs to move them on by itself (campaignMovedOn). Read again after that wait.
   */
  private async pushFollowUp(
    m: Model,
    r: Real,
    before: Snapshot | undefined,
    s: Snapshot,
    healthyBefore: boolean,
  ): Promise<Snapshot> {
    if (!before || !healthyBefore || !healthy(m) || m.refuse || !this.databaseStaysUp || !checks('campaignMovedOn'))
      return s;
    const known = new Set(revealedByPush(before).map((ct) => ct.id));
    const revealed = revealedByPush(s).filter((ct) => !known.has(ct.id));
    if (revealed.length === 0) return s;
    const waited = await awaitPushFollowUp(m, r, revealed);
    const again = await snapshot(m, r);
    note(
      r,
      `   pushes revealed the end of call task(s) ${revealed.map((ct) => ct.id).join(', ')}; waited ${waited} ms for the service to move on`,
    );
    for (const [id, v] of again.views) m.observed[id] = v.status;
    checkAlways(m, again);
    checkMovedOnAfterPush(revealed, s, again, waited);
    return again;
  }

  /**
   * False for a step that takes the database away: a push's follow-up that meets the outage keeps trying for
   * FOLLOW_UP_DELAYS_MS (about 15 s) and then leaves the campaign to the minute check, the bound
   * docs/architecture.md states for it (checked after every edge pass), so the seconds' bound is not held there.
   */
  protected readonly databaseStaysUp: boolean = true;

  abstract toString(): string;
}

/**
 * The task a command acts on: mostly one not seen finished yet (where the interesting edges are), and for the
 * highest index any task (so finished ones get their refusals checked too).
 */
function pick(m: Model, taskIx: number): Model['tasks'][number] {
  const alive = m.tasks.filter((t) => ![5, 6].includes(m.observed[t.id]));
  const pool = taskIx === TASK_IX_MAX || alive.length === 0 ? m.tasks : alive;
  return pool[taskIx % pool.length];
}

async function view(
  m: Model,
  r: Real,
  taskIx: number,
): Promise<{ task: Model['tasks'][number]; firm: Model['firms'][number]; pre: TaskResponse }> {
  const task = pick(m, taskIx);
  const firm = m.firms[task.firm];
  const pre = bodyOf<TaskResponse>(await r.w.h.http().get(`/v1/tasks/${task.id}`).set(as(firm)));
  return { task, firm, pre };
}

function newContacts(r: Real, neverDialled: boolean[]): { phone: string; name: string; candidateRef: string }[] {
  return neverDialled.map((never) => {
    const seq = ++r.phoneSeq;
    const number = String(r.run * 1000 + seq).padStart(8, '0');
    return {
      phone: `${never ? NEVER_DIALLED_PREFIX : '139'}${number}`,
      name: `候选人${seq}`,
      candidateRef: `r${r.run}-c${seq}`,
    };
  });
}

// ---- tasks ---------------------------------------------------------------------------------------------------

export interface TaskShape {
  firm: number;
  neverDialled: boolean[];
  batchSize: number;
  maxAttempts: number;
  retryGapMinutes: number;
  window: WindowKind;
}

export class CreateTask extends ModelCommand {
  constructor(readonly shape: TaskShape) {
    super();
  }
  override check(m: Readonly<Model>): boolean {
    return m.tasks.length < SIZE.maxTasks;
  }
  async act(m: Model, r: Real) {
    const firm = m.firms[this.shape.firm % m.firms.length];
    const contacts = newContacts(r, this.shape.neverDialled);
    const usable = botUsable(firm, r.w.clock.now());
    const res = typed<CreateTaskResponse>(
      await r.w.h
        .http()
        .post('/v1/tasks')
        .set(as(firm))
        .send({
          name: `model task ${r.run}`,
          scriptId: 'recruit-v1',
          contacts,
          batchSize: this.shape.batchSize,
          maxAttempts: this.shape.maxAttempts,
          retryGapMinutes: this.shape.retryGapMinutes,
          callWindow: WINDOWS[this.shape.window],
        }),
    );
    expectAnswer(`create (BOT ${show(firm.bot)})`, res, usable ? [[201]] : [[403, botRefusal(firm)!]]);
    if (res.status === 201) {
      const id = String(res.body.task.id);
      m.tasks.push({
        id,
        firm: this.shape.firm % m.firms.length,
        window: this.shape.window,
        maxAttempts: this.shape.maxAttempts,
        retryGapMinutes: this.shape.retryGapMinutes,
        batchSize: this.shape.batchSize,
      });
      r.w.leftovers.push({ firm, taskId: id });
      if (res.body.task.status !== 1 || res.body.contacts?.added !== contacts.length) {
        violated(
          'responses',
          `create answered task status ${res.body.task.status} with ${show(res.body.contacts?.added)} of ${contacts.length} distinct valid contacts added`,
        );
      }
      return { text: `${brief(res)} task ${id}` };
    }
    return { text: brief(res) };
  }
  toString() {
    const s = this.shape;
    return `Create(firm ${s.firm}, ${s.neverDialled.length} contacts${s.neverDialled.some(Boolean) ? ` (${s.neverDialled.filter(Boolean).length} never dialled)` : ''}, batch ${s.batchSize}, attempts ${s.maxAttempts}, gap ${s.retryGapMinutes}m, ${s.window})`;
  }
}

abstract class TaskCommand extends ModelCommand {
  constructor(readonly taskIx: number) {
    super();
  }
  override check(m: Readonly<Model>): boolean {
    return m.tasks.length > 0;
  }
}

export class AddContacts extends TaskCommand {
  constructor(
    taskIx: number,
    readonly neverDialled: boolean[],
  ) {
    super(taskIx);
  }
  async act(m: Model, r: Real) {
    const { task, firm, pre } = await view(m, r, this.taskIx);
    const contacts = newContacts(r, this.neverDialled);
    const res = typed<AddContactsResponse>(
      await r.w.h.http().post(`/v1/tasks/${task.id}/contacts`).set(as(firm)).send({ contacts }),
    );
    const finished = [5, 6].includes(pre.status);
    if (
      expectAnswer(
        `add contacts to task ${task.id} in status ${pre.status}`,
        res,
        finished ? [[409, 'TASK_FINISHED']] : [[201]],
      ) &&
      res.status === 201 &&
      res.body.added !== contacts.length
    ) {
      violated(
        'responses',
        `add contacts to task ${task.id}: ${show(res.body.added)} of ${contacts.length} distinct valid contacts added`,
      );
    }
    return { text: `${brief(res)} (task ${task.id} was ${pre.status})` };
  }
  toString() {
    return `AddContacts(task #${this.taskIx}, ${this.neverDialled.length}${this.neverDialled.some(Boolean) ? `, ${this.neverDialled.filter(Boolean).length} never dialled` : ''})`;
  }
}

export type Action = 'start' | 'pause' | 'cancel';

/** What the model allows a recruiter's action to answer, given the task as read just before it. */
function allowedFor(
  action: Action,
  m: Model,
  firm: Model['firms'][number],
  pre: TaskResponse,
  waiting: number,
  at: Date,
  racing: boolean,
): Allowed {
  const finished = [5, 6].includes(pre.status);
  // Only add and start can be refused (the proxy refuses those); pause and stop fail only when the platform does.
  const failing = !healthy(m) || (m.refuse && action === 'start') ? PLATFORM_FAILURES : [];
  // A pass running at the same time may finish the task or change what is running.
  const raced: Allowed = racing
    ? [
        [409, 'TASK_FINISHED'],
        [409, 'NO_CONTACTS_WAITING'],
        ...PLATFORM_FAILURES.filter(([, c]) => c === 'ROBOT_CALL_REJECTED'),
      ]
    : [];
  if (action === 'start') {
    const allowed: Allowed = [...raced];
    if (!botUsable(firm, at)) allowed.push([403, botRefusal(firm)!]);
    if (finished) allowed.push([409, 'TASK_FINISHED']);
    if (botUsable(firm, at) && !finished) {
      allowed.push([200], ...failing);
      if (waiting === 0) allowed.push([409, 'NO_CONTACTS_WAITING']);
    }
    return allowed;
  }
  if (action === 'pause') {
    if (finished) return [[409, 'TASK_FINISHED']];
    if (pre.status === 1) return [[409]];
    // Already paused by its recruiter: nothing to pause (docs/api.md: 409 TASK_NOT_RUNNING), unless a pass raced it.
    if (pre.status === 4 && pre.pauseReason === 'recruiter') return [[409, 'TASK_NOT_RUNNING'], ...raced];
    return [[200], ...failing, ...raced];
  }
  if (finished) return [[409, 'TASK_FINISHED']];
  return [[200], ...failing, ...raced];
}

/** After a 200, what the task must look like. */
function checkAccepted(
  action: Action,
  m: Model,
  task: Model['tasks'][number],
  pre: TaskResponse,
  waiting: number,
  res: Answer,
  racing: boolean,
): void {
  const body = bodyOf<TaskResponse>(res);
  if (action === 'pause' && !(body.status === 4 && body.pauseReason === 'recruiter')) {
    violated(
      'responses',
      `pause of task ${task.id} (was ${pre.status}) answered 200 with status ${body.status}, pauseReason ${body.pauseReason}`,
    );
  }
  if (action === 'cancel' && body.status !== 6)
    violated('responses', `cancel of task ${task.id} answered 200 with status ${body.status}`);
  if (action === 'start') {
    if (!racing && ![2, 3, 4].includes(body.status))
      violated('responses', `start of task ${task.id} (was ${pre.status}) answered 200 with status ${body.status}`);
    if (body.status === 4 && body.pauseReason === 'recruiter')
      violated('responses', `start of task ${task.id} answered 200 but left it paused by the recruiter`);
  }
}

export class Recruiter extends TaskCommand {
  constructor(
    taskIx: number,
    readonly action: Action,
  ) {
    super(taskIx);
  }
  async act(m: Model, r: Real) {
    const { task, firm, pre } = await view(m, r, this.taskIx);
    const waiting = bodyOf<TaskStatsResponse>(
      await r.w.h.http().get(`/v1/tasks/${task.id}/stats`).set(as(firm)),
    ).waiting;
    const diallingBefore = this.action === 'start' ? await taskDialling(r.w, task.id) : null;
    const before = r.w.clock.now();
    const res = typed<TaskResponse>(await r.w.h.http().post(`/v1/tasks/${task.id}/${this.action}`).set(as(firm)));
    checkAnswer(this.action, m, r, task, firm, pre, waiting, before, res, false);
    if (
      this.action === 'start' &&
      res.status === 200 &&
      !diallingBefore &&
      !windowOpen(task.window, before) &&
      !windowOpen(task.window, r.w.clock.now())
    ) {
      // SPEC: no campaign is created or started outside the window, whoever asks.
      const started = await taskDialling(r.w, task.id);
      if (started)
        violated(
          'dialling',
          `start of task ${task.id} outside its ${task.window} window (${before.toISOString()}) set campaign ${started} dialling`,
        );
    }
    return {
      text: `${brief(res)}${res.status === 200 ? ` → ${res.body.status}${res.body.pauseReason ? `/${res.body.pauseReason}` : ''}` : ''} (task ${task.id} was ${pre.status}${pre.pauseReason ? `/${pre.pauseReason}` : ''}, ${waiting} waiting)`,
    };
  }
  toString() {
    return `${this.action[0].toUpperCase()}${this.action.slice(1)}(task #${this.taskIx})`;
  }
}

function checkAnswer(
  action: Action,
  m: Model,
  r: Real,
  task: Model['tasks'][number],
  firm: Model['firms'][number],
  pre: TaskResponse,
  waiting: number,
  before: Date,
  res: Answer,
  racing: boolean,
): void {
  // A BOT expiring between the read and the answer may go either way.
  const allowed = [
    ...allowedFor(action, m, firm, pre, waiting, before, racing),
    ...allowedFor(action, m, firm, pre, waiting, r.w.clock.now(), racing),
  ];
  if (
    action === 'pause' &&
    [2, 3, 4].includes(pre.status) &&
    !(pre.status === 4 && pre.pauseReason === 'recruiter') &&
    res.status === 409 &&
    codeOf(res) === 'TASK_NOT_RUNNING'
  ) {
    violated(
      'pauseAnyTime',
      `pause of task ${task.id} in status ${pre.status} (activeCampaign ${show(pre.activeCampaign)}) was refused: 409 TASK_NOT_RUNNING`,
    );
    return; // (only reached when that check is skipped: the refusal is then taken as an answer)
  }
  const accepted = expectAnswer(
    `${action} of task ${task.id} in status ${pre.status}/${pre.pauseReason} (BOT ${show(firm.bot)}, healthy ${healthy(m)}, refusing ${m.refuse})`,
    res,
    allowed,
  );
  if (accepted && res.status === 200) checkAccepted(action, m, task, pre, waiting, res, racing);
}

/** A recruiter's action and a worker pass at the same moment (the races of cancel, pause and start with the sync). */
export class Race extends TaskCommand {
  constructor(
    taskIx: number,
    readonly action: Action,
  ) {
    super(taskIx);
  }
  async act(m: Model, r: Real) {
    const { task, firm, pre } = await view(m, r, this.taskIx);
    const waiting = bodyOf<TaskStatsResponse>(
      await r.w.h.http().get(`/v1/tasks/${task.id}/stats`).set(as(firm)),
    ).waiting;
    const before = r.w.clock.now();
    const act = () =>
      r.w.h
        .http()
        .post(`/v1/tasks/${task.id}/${this.action}`)
        .set(as(firm))
        .then((x) => x);
    const [res, summary] = inProcessConcurrency(r)
      ? await Promise.all([act(), pass(r.w, 'second')])
      : [await act(), await pass(r.w, 'second')];
    checkAnswer(this.action, m, r, task, firm, pre, waiting, before, res, true);
    return {
      text: `${brief(res)} with a pass (${summary.tasks} tasks, ${summary.failed} failed) (task ${task.id} was ${pre.status})`,
    };
  }
  toString() {
    return `Race(${this.action} task #${this.taskIx} with a pass)`;
  }
}

// ---- the worker, time and the platform ------------------------------------------------------------------------

export class Pass extends ModelCommand {
  constructor(readonly which: 'main' | 'second' | 'both') {
    super();
  }
  async act(m: Model, r: Real) {
    const wasHealthy = healthy(m);
    const startedAt = r.w.clock.now();
    const realStart = Date.now();
    const summaries =
      this.which !== 'both'
        ? [await pass(r.w, this.which)]
        : inProcessConcurrency(r)
          ? await Promise.all([pass(r.w, 'main'), pass(r.w, 'second')])
          : [await pass(r.w, 'main'), await pass(r.w, 'second')];
    const failed = summaries.reduce((n, s) => n + s.failed, 0);
    const stillHealthy = wasHealthy && healthy(m);
    if (stillHealthy && !m.refuse && failed > 0)
      violated('passClean', `a pass on a healthy platform failed ${failed} task(s)${errorsSince(r.w, realStart)}`);
    return {
      text: `${summaries.map((s) => `${s.tasks} tasks, ${s.recordsStored} records, ${s.failed} failed`).join(' | ')}${stillHealthy ? '' : ' (platform not healthy)'}`,
      healthyPassAt: stillHealthy ? startedAt : undefined,
    };
  }
  toString() {
    return this.which === 'both'
      ? 'Pass(two workers at once)'
      : this.which === 'second'
        ? 'Pass(second worker)'
        : 'Pass';
  }
}

export class Wait extends ModelCommand {
  constructor(readonly ms: number) {
    super();
  }
  async act() {
    await sleep(this.ms);
    return { text: 'ok' };
  }
  toString() {
    return `Wait(${this.ms} ms)`;
  }
}

export class SetFaults extends ModelCommand {
  constructor(
    readonly faults: Faults | null,
    readonly seed = 1,
  ) {
    super();
  }
  async act(m: Model, r: Real) {
    await setFaults(r.w, this.faults, this.seed);
    m.faults = this.faults;
    if (this.faults) {
      m.healthyFrom = Number.POSITIVE_INFINITY;
      return { text: 'on' };
    }
    // Requests hung before now land within the longest hang; the breaker lets a trial call through after its reset.
    m.healthyFrom = Date.now() + Math.max(...PLATFORM.hangsMs) + PLATFORM.breakerResetMs + 150;
    await sleep(m.healthyFrom - Date.now());
    return { text: 'off, platform healthy again' };
  }
  toString() {
    return this.faults ? `Faults(${show(this.faults)})` : 'Faults(off)';
  }
}

export class Toggle extends ModelCommand {
  constructor(
    readonly what: 'push' | 'refuse' | 'oversize' | 'latency',
    readonly on: boolean,
  ) {
    super();
  }
  async act(m: Model, r: Real) {
    if (this.what === 'latency') {
      m.latencyMs = this.on ? LATENCY_MS : 0;
      await setLatency(r.w, m.latencyMs);
    } else if (this.what === 'push') {
      await setPush(r.w, this.on);
      m.push = this.on;
    } else if (this.what === 'refuse') {
      r.w.proxy.refuse = this.on;
      m.refuse = this.on;
    } else {
      r.w.proxy.oversize = this.on;
      m.oversize = this.on;
    }
    return { text: 'ok' };
  }
  toString() {
    const names = {
      push: 'Push',
      refuse: 'PlatformRefuses',
      oversize: 'OversizedValues',
      latency: `PlatformLatency ${LATENCY_MS} ms`,
    };
    return `${names[this.what]}(${this.on ? 'on' : 'off'})`;
  }
}

// ---- issue 20: many tasks, pushes on the way, the edge pass, the relay, the database ---------------------------

/** Several tasks created and started at once: more live tasks than one claim batch (4 at SYNC_CONCURRENCY 1). */
export class CreateMany extends ModelCommand {
  constructor(readonly shapes: TaskShape[]) {
    super();
  }
  override check(m: Readonly<Model>): boolean {
    return m.tasks.length < SIZE.maxTasks;
  }
  async act(m: Model, r: Real) {
    const texts: string[] = [];
    for (const shape of this.shapes) {
      if (m.tasks.length >= SIZE.maxTasks) break;
      const created = m.tasks.length;
      const made = await new CreateTask(shape).act(m, r);
      if (m.tasks.length === created) {
        texts.push(made.text);
        continue;
      }
      const task = m.tasks[m.tasks.length - 1];
      const firm = m.firms[task.firm];
      const pre = bodyOf<TaskResponse>(await r.w.h.http().get(`/v1/tasks/${task.id}`).set(as(firm)));
      const waiting = bodyOf<TaskStatsResponse>(
        await r.w.h.http().get(`/v1/tasks/${task.id}/stats`).set(as(firm)),
      ).waiting;
      const before = r.w.clock.now();
      const res = await r.w.h.http().post(`/v1/tasks/${task.id}/start`).set(as(firm));
      checkAnswer('start', m, r, task, firm, pre, waiting, before, res, false);
      texts.push(`task ${task.id} start ${brief(res)}`);
    }
    return { text: texts.join('; ') };
  }
  toString() {
    return `CreateMany(${this.shapes.map((s) => `${s.neverDialled.length}/${s.batchSize}/${s.window}`).join(', ')}, started)`;
  }
}

/** What the network does to the platform's pushes from now on (push-proxy.ts), or nothing (null). */
export class SetPushFaults extends ModelCommand {
  constructor(readonly faults: PushFaults | null) {
    super();
  }
  act(m: Model, r: Real) {
    r.w.pushProxy.faults = this.faults;
    m.pushFaults = this.faults;
    return Promise.resolve({ text: `ok (${r.w.pushProxy.pending()} held)` });
  }
  toString() {
    return this.faults
      ? `PushFaults(lose ${this.faults.lose}, hold ${this.faults.hold}, repeat ${this.faults.repeat})`
      : 'PushFaults(off)';
  }
}

/** The pushes held back and the repeats kept arrive now: late, and maybe out of order. */
export class ReleasePushes extends ModelCommand {
  constructor(readonly order: 'in-order' | 'reversed') {
    super();
  }
  async act(_m: Model, r: Real) {
    const statuses = await r.w.pushProxy.release(this.order);
    // A push the service cannot take yet (its campaign's id not recorded: 404) is retried by the platform; the
    // model's late pushes are only what the platform would resend. Any answer but 2xx/404 is the service's fault.
    const bad = statuses.filter((st) => !(st >= 200 && st < 300) && st !== 404 && st !== 503);
    if (bad.length) violated('responses', `late pushes were answered ${show(bad)}`);
    return { text: `${statuses.length} pushes: ${show(statuses)}` };
  }
  toString() {
    return `ReleasePushes(${this.order})`;
  }
}

/** The worker's one-minute edge check (SYNC_EDGE_CRON). */
export class EdgePass extends ModelCommand {
  async act(m: Model, r: Real) {
    const wasHealthy = healthy(m) && !m.refuse;
    const summary = await edgePass(r.w);
    const still = wasHealthy && healthy(m) && !m.refuse;
    return {
      text: `checked ${summary.checked}, synced ${summary.synced}${still ? '' : ' (platform not healthy)'}`,
      healthyEdgePass: still,
    };
  }
  toString() {
    return 'EdgePass';
  }
}

/** Rounds of the events relay (sequence, fan out, deliver), as the worker's loop runs them. */
export class Relay extends ModelCommand {
  async act(_m: Model, r: Real) {
    const startedAt = r.w.clock.now();
    const rounds = await relayRounds(r.w);
    const sum = (k: 'claimed' | 'delivered' | 'retried' | 'failed') => rounds.reduce((n, x) => n + x[k], 0);
    return {
      text: `${rounds.length} round(s): claimed ${sum('claimed')}, delivered ${sum('delivered')}, retried ${sum('retried')}, failed ${sum('failed')}`,
      relayStartedAt: startedAt,
    };
  }
  toString() {
    return 'Relay';
  }
}

/** The webhook receiver answers at once, slowly (RELAY.slowMs, under the time-out), or fails and hangs a share. */
export class Receiver extends ModelCommand {
  constructor(readonly mode: Model['receiver']) {
    super();
  }
  act(m: Model, r: Real) {
    r.w.receiver.options = receiverOptions(this.mode);
    m.receiver = this.mode;
    return Promise.resolve({ text: 'ok' });
  }
  toString() {
    return `Receiver(${this.mode})`;
  }
}

export function receiverOptions(mode: Model['receiver']): {
  delayMs?: number;
  failRate?: number;
  timeoutRate?: number;
} {
  return mode === 'slow'
    ? { delayMs: RELAY.slowMs, timeoutRate: 0.1 }
    : mode === 'failing'
      ? { failRate: 0.4, timeoutRate: 0.1 }
      : {};
}

/** Operations redeliver the events of a time range to the endpoint (POST /v1/admin/webhooks/:id/redeliver). */
export class Redeliver extends ModelCommand {
  constructor(readonly minutesBack: number) {
    super();
  }
  async act(_m: Model, r: Real) {
    const now = r.w.clock.now().getTime();
    const body = {
      from: new Date(now - this.minutesBack * 60_000).toISOString(),
      to: new Date(now + 60_000).toISOString(),
    };
    const res = typed<RedeliveryResponse | undefined>(
      await r.w.h.http().post(`/v1/admin/webhooks/${r.w.webhookId}/redeliver`).set(asAdmin()).send(body),
    );
    expectAnswer('redeliver', res, [[200], [201]]);
    return { text: `${brief(res)} scheduled ${res.body?.scheduled}` };
  }
  toString() {
    return `Redeliver(last ${this.minutesBack} min)`;
  }
}

/**
 * The database's connections cut for a while in the middle of a sync pass (issue 20, item 5; MySQL: World.dbCut,
 * a TCP proxy between the apps and the database; on the embedded database it does nothing, and says so). After
 * it, `leasesAfterCut` (SPEC "a transient database error delays a task by at most a pass, not a lease period"): no
 * lease of the pass that failed outlives the database's return by more than LEASES_BACK_MS; the steps after it
 * check the rest (`dueWork` after the next healthy pass, every record stored once, no event lost or doubled).
 */
export class CutDatabase extends ModelCommand {
  protected override readonly databaseStaysUp = false;
  constructor(readonly ms: number) {
    super();
  }
  async act(_m: Model, r: Real) {
    if (!r.w.dbCut) return { text: 'not wired (no database proxy in this world)' };
    await r.w.dbCut.cut(this.ms);
    const back = Date.now();
    const owner = r.w.h.worker.get(RunSyncPass).owner;
    let held = -1;
    while (Date.now() - back < LEASES_BACK_MS) {
      const [row]: { n: string | number }[] = await r.w.observer.query(
        'SELECT COUNT(*) AS n FROM ai_visitor_task WHERE lease_owner = ? AND lease_until > UTC_TIMESTAMP(3)',
        [owner],
      );
      held = Number(row.n);
      if (held === 0) return { text: `cut and back; the pass's leases given back ${Date.now() - back} ms after` };
      await sleep(100);
    }
    violated(
      'leasesAfterCut',
      `${held} lease(s) of the pass cut by the database outage still held ${LEASES_BACK_MS} ms after the database came back (owner ${owner})`,
    );
    return { text: 'cut and back' };
  }
  toString() {
    return `CutDatabase(${this.ms} ms)`;
  }
}

/** How soon after the database's return a failed pass's leases must be free (owed leases are retried every 2 s). */
const LEASES_BACK_MS = 5_000;

/** Latency of a slow (not failing) platform: widens the windows in which a recruiter's action and a pass overlap. */
const LATENCY_MS = 40;

type ClockMove = { advanceMinutes: number } | 'window-close' | 'window-open' | 'midnight' | 'weekend';

export class MoveClock extends ModelCommand {
  constructor(readonly move: ClockMove) {
    super();
  }
  act(_m: Model, r: Real) {
    const now = r.w.clock.now();
    const to =
      typeof this.move === 'object'
        ? new Date(now.getTime() + this.move.advanceMinutes * 60_000)
        : this.move === 'window-close'
          ? nextShanghai(now, 20, 0)
          : this.move === 'window-open'
            ? nextShanghai(now, 9, 0)
            : this.move === 'midnight'
              ? nextShanghai(now, 0, 0)
              : nextShanghai(now, 10, 0, [6]);
    r.w.clock.set(to);
    return Promise.resolve({ text: `now ${to.toISOString()}` });
  }
  toString() {
    return typeof this.move === 'object' ? `Clock(+${this.move.advanceMinutes} min)` : `Clock(to ${this.move})`;
  }
}

type BotMove = 'close' | 'expire-now' | 'expire-in-3-min' | 'expire-in-45-min' | 'reopen';

export class Bot extends ModelCommand {
  constructor(
    readonly firm: number,
    readonly move: BotMove,
  ) {
    super();
  }
  async act(m: Model, r: Real) {
    const firm = m.firms[this.firm % m.firms.length];
    const now = r.w.clock.now().getTime();
    const state: BotState =
      this.move === 'close'
        ? { kind: 'closed' }
        : this.move === 'reopen'
          ? { kind: 'open' }
          : {
              kind: 'expires',
              at:
                now +
                { 'expire-now': -60_000, 'expire-in-3-min': 3 * 60_000, 'expire-in-45-min': 45 * 60_000 }[this.move],
            };
    const status = await grant(r.w, firm, state);
    if (status !== 200) violated('responses', `PUT /v1/admin/firms/${firm.id}/bot answered ${status}`);
    firm.bot = state;
    return { text: `${status}` };
  }
  toString() {
    return `Bot(firm ${this.firm}, ${this.move})`;
  }
}

// ---- the arbitraries -----------------------------------------------------------------------------------------

/** A command of a feature MODEL_DISABLE turned off: generated all the same (seeds keep their sequences), never run. */
class Disabled extends ModelCommand {
  constructor(readonly inner: ModelCommand) {
    super();
  }
  override check(): boolean {
    return false;
  }
  act() {
    return Promise.resolve({ text: 'disabled' });
  }
  toString() {
    return `Disabled(${this.inner.toString()})`;
  }
}

const gated = (feature: FeatureName, arbitrary: fc.Arbitrary<ModelCommand>): fc.Arbitrary<ModelCommand> =>
  enabled(feature) ? arbitrary : arbitrary.map((cmd) => new Disabled(cmd));

/** Contacts of a new task or an added batch: true marks a number the platform never dials (MODEL_DISABLE=neverDial: none). */
const neverDialled = (max: number, min = 0) =>
  fc
    .array(fc.oneof({ arbitrary: fc.constant(false), weight: 5 }, { arbitrary: fc.constant(true), weight: 1 }), {
      minLength: min,
      maxLength: max,
    })
    .map((flags) => (enabled('neverDial') ? flags : flags.map(() => false)));

const TASK_IX_MAX = 7;
const taskIx = fc.nat({ max: TASK_IX_MAX });
const faultsArb: fc.Arbitrary<Faults> = fc.record({
  errorRate: fc.constantFrom(0, 0.2, 0.5),
  timeoutRate: fc.constantFrom(0, 0.1, 0.3),
  lostReplyRate: fc.constantFrom(0, 0.3, 0.6),
  hangMs: fc.constantFrom(...PLATFORM.hangsMs),
  lostStatusReplyRate: fc.constantFrom(0, 0, 0.5, 1),
});
const pushFaultsArb: fc.Arbitrary<PushFaults> = fc.record({
  lose: fc.constantFrom(0, 0.3),
  hold: fc.constantFrom(0, 0.3, 0.6),
  repeat: fc.constantFrom(0, 0.3),
  seed: fc.nat(),
});

/** A task created by a recruiter: 1–6 contacts, small batches, 1–3 attempts, short retry gaps, one of three windows. */
export function createTaskArbitrary(): fc.Arbitrary<fc.AsyncCommand<Model, Real>> {
  return taskShapeArbitrary().map((shape) => new CreateTask(shape));
}

function taskShapeArbitrary(): fc.Arbitrary<TaskShape> {
  return fc.record({
    firm: fc.nat({ max: SIZE.firms - 1 }),
    neverDialled: neverDialled(6, 1),
    batchSize: fc.integer({ min: 1, max: 3 }),
    maxAttempts: fc.integer({ min: 1, max: 3 }),
    retryGapMinutes: fc.constantFrom(0, 0, 1, 5, 20),
    window: fc.constantFrom<WindowKind>('always', 'always', 'office', 'weekdays'),
  });
}

export function commandArbitrary(): fc.Arbitrary<fc.AsyncCommand<Model, Real>> {
  return fc.oneof(
    // issue 22: edit a task, withdraw candidates (support/model/commands-edit.ts)
    ...editCommandEntries(ModelCommand, gated),
    { weight: 3, arbitrary: createTaskArbitrary() },
    { weight: 1, arbitrary: fc.tuple(taskIx, neverDialled(4, 1)).map(([t, n]) => new AddContacts(t, n)) },
    { weight: 6, arbitrary: taskIx.map((t) => new Recruiter(t, 'start')) },
    { weight: 3, arbitrary: taskIx.map((t) => new Recruiter(t, 'pause')) },
    { weight: 3, arbitrary: taskIx.map((t) => new Recruiter(t, 'cancel')) },
    {
      weight: 2,
      arbitrary: gated(
        'race',
        fc.tuple(taskIx, fc.constantFrom<Action>('start', 'pause', 'cancel')).map(([t, a]) => new Race(t, a)),
      ),
    },
    { weight: 6, arbitrary: fc.constant(new Pass('main')) },
    { weight: 1, arbitrary: gated('secondWorker', fc.constantFrom(new Pass('second'), new Pass('both'))) },
    { weight: 3, arbitrary: fc.integer({ min: 10, max: 120 }).map((ms) => new Wait(ms)) },
    {
      weight: 1,
      arbitrary: gated(
        'push',
        fc.boolean().map((on) => new Toggle('push', on)),
      ),
    },
    {
      weight: 2,
      arbitrary: gated(
        'faults',
        fc.tuple(fc.option(faultsArb, { freq: 2 }), fc.nat()).map(([f, seed]) => new SetFaults(f, seed)),
      ),
    },
    // issue 20
    {
      weight: 1,
      arbitrary: gated(
        'manyTasks',
        fc.array(taskShapeArbitrary(), { minLength: 3, maxLength: 5 }).map((shapes) => new CreateMany(shapes)),
      ),
    },
    {
      weight: 2,
      arbitrary: gated(
        'pushFaults',
        fc.option(pushFaultsArb, { freq: 3 }).map((f) => new SetPushFaults(f)),
      ),
    },
    {
      weight: 1,
      arbitrary: gated(
        'pushFaults',
        fc.constantFrom<'in-order' | 'reversed'>('in-order', 'reversed').map((o) => new ReleasePushes(o)),
      ),
    },
    { weight: 3, arbitrary: gated('edgePass', fc.constant(new EdgePass())) },
    // issue 22
    { weight: 1, arbitrary: gated('erasure', eraseCandidateArbitrary()) },
    // issue 22: start at a set time, and follow-ups (commands-schedule.ts)
    { weight: 6, arbitrary: gated('schedule', scheduleArbitrary(taskIx)) },
    { weight: 1, arbitrary: gated('followUp', followUpArbitrary(taskIx)) },
    { weight: 2, arbitrary: gated('relay', fc.constant(new Relay())) },
    {
      weight: 1,
      arbitrary: gated(
        'slowReceiver',
        fc.constantFrom<Model['receiver']>('healthy', 'slow', 'failing').map((mode) => new Receiver(mode)),
      ),
    },
    {
      weight: 1,
      arbitrary: gated(
        'redeliver',
        fc.constantFrom(5, 120).map((min) => new Redeliver(min)),
      ),
    },
    {
      weight: 1,
      arbitrary: gated(
        'dbCut',
        fc.constantFrom(1000, 3000).map((ms) => new CutDatabase(ms)),
      ),
    },
    {
      weight: 1,
      arbitrary: gated(
        'refuse',
        fc.boolean().map((on) => new Toggle('refuse', on)),
      ),
    },
    {
      weight: 1,
      arbitrary: gated(
        'oversize',
        fc.boolean().map((on) => new Toggle('oversize', on)),
      ),
    },
    {
      weight: 1,
      arbitrary: gated(
        'latency',
        fc.boolean().map((on) => new Toggle('latency', on)),
      ),
    },
    {
      weight: 2,
      arbitrary: gated(
        'clock',
        fc
          .oneof(
            fc.constantFrom(1, 2, 6, 21, 61, 240).map((advanceMinutes): ClockMove => ({ advanceMinutes })),
            fc.constantFrom<ClockMove>('window-close', 'window-open', 'midnight', 'weekend'),
          )
          .map((move) => new MoveClock(move)),
      ),
    },
    {
      weight: 1,
      arbitrary: gated(
        'bot',
        fc
          .tuple(
            fc.nat({ max: SIZE.firms - 1 }),
            fc.constantFrom<BotMove>('close', 'expire-now', 'expire-in-3-min', 'expire-in-45-min', 'reopen', 'reopen'),
          )
          .map(([f, move]) => new Bot(f, move)),
      ),
    },
  );
}

// Last, not first: commands-schedule.ts extends ModelCommand, so it must load after this module has defined it (a
// CommonJS cycle; its entries above are read only when commandArbitrary() runs).
import { followUpArbitrary, scheduleArbitrary } from './commands-schedule';
