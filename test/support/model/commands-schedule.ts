import fc from 'fast-check';
import { RunScheduledStarts } from '@app/task';
import { Bot, CreateTask, healthy, ModelCommand, MoveClock, Pass, Recruiter, TaskShape, Wait } from './commands';
import { checks, SIZE } from './config';
import { checkScheduledNotEarly, violated } from './invariants';
import { as, botRefusal, botUsable, FirmModel, followUpsSettled, Model, Real, TaskModel } from './world';

/**
 * Issue 22, items 4 and 5, in the model: a start at a set time (`Schedule` in the past, the near future or far
 * ahead; `Unschedule`), the worker's scheduled starts (`ScheduledStarts`, the minute check's job), and a follow-up
 * from a task (`FollowUp`). Gated as the features `schedule` and `followUp` (config.ts).
 *
 * What the model expects (check `scheduledStart`):
 *  - never before `at`: a task whose `startAt` the schedule kept (a plain start clears it) is started only once the
 *    service's clock has reached it (`checkScheduledNotEarly`, after these commands and in `checkAlways`);
 *  - progress, within its bound (docs/architecture.md, "Progress bounds"): a task not started whose `startAt` has
 *    come and whose firm's BOT is open is started by the next run of the scheduled starts (status no longer 1), or
 *    its schedule ends (`startAt` null: no contact waiting);
 *  - not when the BOT is off: a run of the scheduled starts while the firm's BOT is closed or expired leaves the
 *    task not started and scheduled (`waitingFor: bot`).
 */

/** A task as GET /v1/tasks/:id answers it: the fields these commands read. */
interface TaskBody {
  id: string;
  status: number;
  startAt: string | null;
  sourceTaskId: string | null;
  waitingFor: string | null;
  nextActionAt: string | null;
  lastError: string | null;
}
interface FollowUpBody {
  task: TaskBody;
  contacts: { added: number; skipped: { phone: string }[] };
}
type Answer = { status: number; body: unknown };
const codeOf = (res: Answer): string | undefined => (res.body as { code?: string } | undefined)?.code;
const taskOf = (res: Answer): TaskBody => res.body as TaskBody;
type Allowed = [number, string?][];

const show = (value: unknown) => JSON.stringify(value);
const brief = (res: Answer) => `${res.status}${codeOf(res) ? ` ${codeOf(res)}` : ''}`;
const PLATFORM_FAILURES: Allowed = [
  [502, 'ROBOT_CALL_UNAVAILABLE'],
  [502, 'ROBOT_CALL_REJECTED'],
  [504, 'ROBOT_CALL_TIMEOUT'],
];

function expectAnswer(what: string, res: Answer, allowed: Allowed): boolean {
  const ok = [...allowed, [503, 'DATABASE_BUSY'] as [number, string]].some(
    ([status, code]) => res.status === status && (code === undefined || codeOf(res) === code),
  );
  if (!ok)
    violated(
      'responses',
      `${what} answered ${res.status} ${show(res.body)}; the model allows ${show(allowed.map(([s, c]) => (c ? `${s} ${c}` : String(s))))}`,
    );
  return ok;
}

function pickTask(m: Model, taskIx: number): TaskModel {
  return m.tasks[taskIx % m.tasks.length];
}

async function readTask(r: Real, firm: FirmModel, id: string): Promise<TaskBody> {
  return taskOf(await r.w.h.http().get(`/v1/tasks/${id}`).set(as(firm)));
}

abstract class ScheduleCommand extends ModelCommand {
  constructor(readonly taskIx: number) {
    super();
  }
  override check(m: Readonly<Model>): boolean {
    return m.tasks.length > 0;
  }
}

export type When = 'past' | 'soon' | 'near' | 'far';

/**
 * `POST /tasks/:id/start { at }`: at five minutes ago (a plain start), one to three seconds ahead (due within the run's
 * real time), one to three minutes ahead (due after a clock move), or days ahead.
 */
export class Schedule extends ScheduleCommand {
  constructor(
    taskIx: number,
    readonly when: When,
    readonly ahead: number,
  ) {
    super(taskIx);
  }
  async act(m: Model, r: Real) {
    const task = pickTask(m, this.taskIx);
    const firm = m.firms[task.firm];
    const pre = await readTask(r, firm, task.id);
    const now = r.w.clock.now();
    const offsetMs = {
      past: -5 * 60_000,
      soon: this.ahead * 1000,
      near: this.ahead * 60_000,
      far: 3 * 24 * 3600_000,
    }[this.when];
    const at = new Date(now.getTime() + offsetMs);
    const res: Answer = await r.w.h
      .http()
      .post(`/v1/tasks/${task.id}/start`)
      .set(as(firm))
      .send({ at: at.toISOString() });
    const after = r.w.clock.now();
    const finished = [5, 6].includes(pre.status);
    const usable = botUsable(firm, now) || botUsable(firm, after);
    const allowed: Allowed = [];
    if (!botUsable(firm, now) || !botUsable(firm, after)) allowed.push([403, botRefusal(firm) ?? undefined]);
    if (finished) allowed.push([409, 'TASK_FINISHED']);
    // A push's follow-up in the API may finish a running task between the read and the request.
    if ([2, 3].includes(pre.status)) allowed.push([409, 'TASK_FINISHED']);
    if (usable && !finished) {
      if (this.when === 'past') {
        allowed.push([200], [409, 'NO_CONTACTS_WAITING']);
        if (!healthy(m) || m.refuse) allowed.push(...PLATFORM_FAILURES);
        if ([2, 3].includes(pre.status))
          allowed.push(...PLATFORM_FAILURES.filter(([, c]) => c === 'ROBOT_CALL_REJECTED'));
      } else if (pre.status === 1) allowed.push([200]);
      else allowed.push([409, 'TASK_ALREADY_STARTED']);
    }
    if (
      expectAnswer(`schedule task ${task.id} (was ${pre.status}) at ${this.when}`, res, allowed) &&
      res.status === 200
    ) {
      if (this.when !== 'past') {
        const b = taskOf(res);
        if (
          b.status !== 1 ||
          b.startAt !== at.toISOString() ||
          b.waitingFor !== 'scheduled' ||
          b.nextActionAt !== b.startAt
        )
          violated(
            'responses',
            `schedule of task ${task.id} at ${at.toISOString()} answered ${show({ status: b.status, startAt: b.startAt, waitingFor: b.waitingFor, nextActionAt: b.nextActionAt })}`,
          );
      } else if (pre.status === 1 && taskOf(res).status === 1) {
        violated('responses', `a start at a time passed (${at.toISOString()}) left task ${task.id} not started`);
      }
    }
    return {
      text: `${brief(res)}${res.status === 200 ? ` → ${taskOf(res).status}` : ''} (task ${task.id} was ${pre.status})`,
    };
  }
  toString() {
    const ahead = this.when === 'near' ? ` +${this.ahead} min` : this.when === 'soon' ? ` +${this.ahead} s` : '';
    return `Schedule(task #${this.taskIx}, ${this.when}${ahead})`;
  }
}

/** `POST /tasks/:id/start { at: null }`: takes a schedule back (changes nothing on a task not scheduled). */
export class Unschedule extends ScheduleCommand {
  async act(m: Model, r: Real) {
    const task = pickTask(m, this.taskIx);
    const firm = m.firms[task.firm];
    const pre = await readTask(r, firm, task.id);
    const res: Answer = await r.w.h.http().post(`/v1/tasks/${task.id}/start`).set(as(firm)).send({ at: null });
    const allowed: Allowed = [5, 6].includes(pre.status)
      ? [[409, 'TASK_FINISHED']]
      : [[200], ...([2, 3].includes(pre.status) ? ([[409, 'TASK_FINISHED']] as Allowed) : [])];
    if (expectAnswer(`unschedule task ${task.id} (was ${pre.status})`, res, allowed) && res.status === 200) {
      const b = taskOf(res);
      if (b.status === 1 && (b.startAt !== null || b.waitingFor !== null))
        violated(
          'responses',
          `unschedule of task ${task.id} answered startAt ${show(b.startAt)}, waitingFor ${show(b.waitingFor)}`,
        );
      if (pre.status !== 1 && b.startAt !== pre.startAt)
        violated('responses', `unschedule of started task ${task.id} changed its startAt from ${pre.startAt}`);
    }
    return {
      text: `${brief(res)} (task ${task.id} was ${pre.status}${pre.startAt ? `, startAt ${pre.startAt}` : ''})`,
    };
  }
  toString() {
    return `Unschedule(task #${this.taskIx})`;
  }
}

/** The worker's scheduled starts, as its minute cron runs them; checks progress, the BOT, and never-before-at. */
export class ScheduledStarts extends ModelCommand {
  async act(m: Model, r: Real) {
    const t0 = r.w.clock.now();
    const before = new Map<string, TaskBody>();
    for (const task of m.tasks) before.set(task.id, await readTask(r, m.firms[task.firm], task.id));
    const summary = await r.w.h.worker.get(RunScheduledStarts).execute();
    await followUpsSettled(r.w);
    const t1 = r.w.clock.now();
    const after = new Map<string, TaskBody>();
    for (const task of m.tasks) after.set(task.id, await readTask(r, m.firms[task.firm], task.id));
    if (checks('scheduledStart')) {
      for (const task of m.tasks) {
        const b = before.get(task.id)!;
        const a = after.get(task.id)!;
        if (b.status !== 1 || !b.startAt) continue;
        const firm = m.firms[task.firm];
        const due = Date.parse(b.startAt) <= t0.getTime();
        if (due && botUsable(firm, t0) && botUsable(firm, t1) && a.status === 1 && a.startAt !== null)
          violated(
            'scheduledStart',
            `task ${task.id} scheduled at ${b.startAt}, due at ${t0.toISOString()} with its BOT open, is still not started after the scheduled starts (${show(summary)}): ${show({ waitingFor: a.waitingFor, lastError: a.lastError })}`,
          );
        if (!botUsable(firm, t0) && !botUsable(firm, t1) && (a.status !== 1 || a.startAt === null))
          violated(
            'scheduledStart',
            `task ${task.id} (scheduled at ${b.startAt}) was started or unscheduled by the scheduled starts while its firm's BOT is off (${show(firm.bot)}): now ${a.status}, startAt ${show(a.startAt)}`,
          );
        if (due && a.status === 1 && a.startAt !== null && !botUsable(firm, t1) && a.waitingFor !== 'bot')
          violated(
            'scheduledStart',
            `task ${task.id} due with its BOT off says waitingFor ${show(a.waitingFor)}, not bot`,
          );
      }
      checkScheduledNotEarly(after, t1);
    }
    return {
      text: `due ${summary.due}, started ${summary.started}, waiting for the BOT ${summary.waitingForBot}, failed ${summary.failed}`,
    };
  }
  toString() {
    return 'ScheduledStarts';
  }
}

export type FollowUpFilter = 'unreached' | 'failed' | 'inconvenient';
const FILTERS: Record<FollowUpFilter, object> = {
  unreached: { callResult: [0, 2] },
  failed: { callResult: [2] },
  inconvenient: { intention: [3] },
};

/** `POST /tasks/:id/follow-up`: a new task from a paused or finished task's contacts that match. */
export class FollowUp extends ScheduleCommand {
  constructor(
    taskIx: number,
    readonly filter: FollowUpFilter,
  ) {
    super(taskIx);
  }
  override check(m: Readonly<Model>): boolean {
    return m.tasks.length > 0 && m.tasks.length < SIZE.maxTasks;
  }
  async act(m: Model, r: Real) {
    const source = pickTask(m, this.taskIx);
    const firm = m.firms[source.firm];
    const pre = await readTask(r, firm, source.id);
    const now = r.w.clock.now();
    const res: Answer = await r.w.h
      .http()
      .post(`/v1/tasks/${source.id}/follow-up`)
      .set(as(firm))
      .send({ filter: FILTERS[this.filter] });
    const after = r.w.clock.now();
    const allowed: Allowed = [];
    if (!botUsable(firm, now) || !botUsable(firm, after)) allowed.push([403, botRefusal(firm) ?? undefined]);
    if (botUsable(firm, now) || botUsable(firm, after)) {
      if ([4, 5, 6].includes(pre.status)) allowed.push([201], [409, 'NO_CONTACTS_MATCH']);
      else {
        allowed.push([409, 'TASK_NOT_SETTLED']);
        // A push's follow-up in the API may complete a running task between the read and the request.
        if ([2, 3].includes(pre.status)) allowed.push([201], [409, 'NO_CONTACTS_MATCH']);
      }
    }
    if (
      expectAnswer(`follow-up of task ${source.id} (was ${pre.status}) ${this.filter}`, res, allowed) &&
      res.status === 201
    ) {
      const { task, contacts } = res.body as FollowUpBody;
      const id = String(task.id);
      m.tasks.push({
        id,
        firm: source.firm,
        window: source.window,
        maxAttempts: source.maxAttempts,
        retryGapMinutes: source.retryGapMinutes,
        batchSize: source.batchSize,
      });
      r.w.leftovers.push({ firm, taskId: id });
      if (task.status !== 1 || task.sourceTaskId !== source.id || contacts.added + contacts.skipped.length < 1)
        violated(
          'responses',
          `follow-up of task ${source.id} answered ${show({ status: task.status, sourceTaskId: task.sourceTaskId, added: contacts.added, skipped: contacts.skipped.length })}`,
        );
      for (const s of contacts.skipped)
        if (!/\*{4}/.test(s.phone)) violated('responses', `follow-up of task ${source.id} skipped a number unmasked`);
      return {
        text: `201 task ${id} (${contacts.added} added, ${contacts.skipped.length} skipped; source ${source.id} was ${pre.status})`,
      };
    }
    return { text: `${brief(res)} (task ${source.id} was ${pre.status})` };
  }
  toString() {
    return `FollowUp(task #${this.taskIx}, ${this.filter})`;
  }
}

/** The commands of this file, for commandArbitrary() (each gated there). */
export const scheduleArbitrary = (taskIx: fc.Arbitrary<number>): fc.Arbitrary<ModelCommand> =>
  fc.oneof(
    {
      weight: 3,
      arbitrary: fc
        .tuple(taskIx, fc.constantFrom<When>('past', 'soon', 'soon', 'near', 'far'), fc.integer({ min: 1, max: 3 }))
        .map(([t, when, ahead]) => new Schedule(t, when, ahead)),
    },
    { weight: 1, arbitrary: taskIx.map((t) => new Unschedule(t)) },
    { weight: 4, arbitrary: fc.constant(new ScheduledStarts()) },
  );

export const followUpArbitrary = (taskIx: fc.Arbitrary<number>): fc.Arbitrary<ModelCommand> =>
  fc
    .tuple(taskIx, fc.constantFrom<FollowUpFilter>('unreached', 'failed', 'inconvenient'))
    .map(([t, f]) => new FollowUp(t, f));

/**
 * Directed runs of this file's commands (the random sequences reach a schedule's time rarely: it needs a schedule,
 * then a clock move or a few seconds, then the minute's scheduled starts), checked by the same invariants after
 * every step and followed by the same final phase as the random runs.
 */
export const SCHEDULE_RUNS: { name: string; commands: () => ModelCommand[] }[] = [
  {
    name: 'a scheduled task starts at the first minute check after its time, never before (window open and closed)',
    commands: () => [
      new CreateTask(shape(3)),
      new CreateTask(shape(3, { window: 'office' })),
      new Schedule(0, 'near', 2),
      new Schedule(1, 'near', 3),
      new ScheduledStarts(),
      new MoveClock({ advanceMinutes: 1 }),
      new ScheduledStarts(),
      new MoveClock({ advanceMinutes: 6 }),
      new ScheduledStarts(),
      new Pass('main'),
    ],
  },
  {
    name: 'a scheduled task whose BOT is closed at its time does not start; it starts once the BOT reopens',
    commands: () => [
      new CreateTask(shape(2)),
      new Schedule(0, 'near', 1),
      new Bot(0, 'close'),
      new MoveClock({ advanceMinutes: 2 }),
      new ScheduledStarts(),
      new Bot(0, 'reopen'),
      new ScheduledStarts(),
      new Pass('main'),
    ],
  },
  {
    name: 'rescheduled, unscheduled and cancelled schedules start nothing; a follow-up right after its source is called',
    commands: () => [
      new CreateTask(shape(2)),
      new CreateTask(shape(2)),
      new CreateTask(shape(4)),
      new Schedule(0, 'near', 1),
      new Schedule(0, 'far', 1),
      new Schedule(1, 'near', 1),
      new Unschedule(1),
      new MoveClock({ advanceMinutes: 2 }),
      new ScheduledStarts(),
      new Recruiter(2, 'start'),
      new Wait(120),
      new Pass('main'),
      new Pass('main'),
      new FollowUp(2, 'unreached'),
      // Alive tasks by then: 4 (scheduled far), 5, 7 (the follow-up): the recruiter starts the follow-up.
      new Recruiter(2, 'start'),
      new Pass('main'),
    ],
  },
];

function shape(contacts: number, overrides: Partial<TaskShape> = {}): TaskShape {
  return {
    firm: 0,
    neverDialled: Array.from({ length: contacts }, () => false),
    batchSize: contacts,
    maxAttempts: 1,
    retryGapMinutes: 0,
    window: 'always',
    ...overrides,
  };
}
