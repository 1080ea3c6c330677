import fc from 'fast-check';
// Types only: commands.ts builds these commands (commandArbitrary), so a runtime import back into it would be a cycle.
import type { ModelCommand } from './commands';
import type { FeatureName } from './config';
import { windowOpen, WindowKind, WINDOWS } from './call-windows';
import { violated } from './invariants';
import { as, edgePass, Model, Real, taskDialling, TaskModel } from './world';

/**
 * Issue 22's recruiter commands for the lifecycle model: edit a task (items 2) and withdraw candidates (item 3).
 * Their expectations:
 *  - an edit answers 200 with the values asked for on a task not finished (409 TASK_FINISHED on a finished one);
 *    a lower `maxAttempts` leaves no contact waiting for a retry with that many calls; calls of a campaign prepared
 *    after the edit are held to the new value (`attemptsBound`, invariants.ts);
 *  - a window edit that closes the window now, followed by the minute check on a healthy platform, leaves the task
 *    not running and its campaign not dialling (`windowEditBound`);
 *  - a withdrawal answers every contact named (withdrawn, after its campaign, or not found); those withdrawn are
 *    skipped `withdrawn` at once, those after their campaign are held by it; none is dialled by a campaign made
 *    after the withdrawal (`withdrawn`, invariants.ts).
 */

type Answer = { status: number; body: unknown };
/** A task as GET /v1/tasks/:id shows it (the fields the commands read). */
type TaskView = { status: number } & Record<string, unknown>;
const show = (value: unknown) => JSON.stringify(value);
const codeOf = (res: Answer): string | undefined => (res.body as { code?: string } | undefined)?.code;
const brief = (res: Answer) => `${res.status}${codeOf(res) ? ` ${codeOf(res)}` : ''}`;

/** The task as its owner reads it now. */
async function viewOf(r: Real, m: Model, task: TaskModel): Promise<TaskView> {
  return (await r.w.h.http().get(`/v1/tasks/${task.id}`).set(as(m.firms[task.firm]))).body as TaskView;
}

const TASK_IX_MAX = 7;

/** The platform is healthy now (as commands.ts's `healthy`: no faults, hung requests landed, breaker closed). */
const healthy = (m: Model): boolean => m.faults === null && Date.now() >= m.healthyFrom;

/** The task a command acts on: mostly one not seen finished yet, and for the highest index any task. */
function pick(m: Model, taskIx: number): TaskModel {
  const alive = m.tasks.filter((t) => ![5, 6].includes(m.observed[t.id]));
  const pool = taskIx === TASK_IX_MAX || alive.length === 0 ? m.tasks : alive;
  return pool[taskIx % pool.length];
}

/** The answer is one of `allowed` (or a database busy through its retries); else `responses` is broken. */
function expectAnswer(what: string, res: Answer, allowed: [number, string?][]): boolean {
  const ok = [...allowed, [503, 'DATABASE_BUSY'] as [number, string]].some(
    ([status, code]) => res.status === status && (code === undefined || codeOf(res) === code),
  );
  if (!ok) violated('responses', `${what} answered ${res.status} ${show(res.body)}; the model allows ${show(allowed)}`);
  return ok;
}

/** The request ids of the task's call tasks now: the campaigns it has at this moment. */
async function knownCampaigns(r: Real, taskId: string): Promise<Set<string>> {
  const rows: { request_id: string }[] = await r.w.observer.query(
    'SELECT request_id FROM ai_visitor_call_task WHERE task_id = ?',
    [taskId],
  );
  return new Set(rows.map((row) => row.request_id));
}

export interface EditShape {
  rename: boolean;
  window: WindowKind | null;
  maxAttempts: number | null;
  retryGapMinutes: number | null;
  batchSize: number | null;
  /** Run the worker's minute check right after (the bound of a window edit). */
  thenEdge: boolean;
}

export interface WithdrawShape {
  /** Which of the task's contacts (indices into its contacts, modulo their number). */
  picks: number[];
  byPhone: boolean;
  /** Add an id (or a number) that names no contact of the task. */
  unknown: boolean;
}

/**
 * Before the final phase (which opens every window by moving the clock to a weekday morning): the recruiter edits
 * the window of each task an edit left on one closed then (`evening`) back to `always`, so every task can finish.
 */
export async function reopenEditedWindows(m: Model, r: Real): Promise<void> {
  for (const task of m.tasks) {
    if (task.window !== 'evening') continue;
    const res: Answer = await r.w.h
      .http()
      .patch(`/v1/tasks/${task.id}`)
      .set(as(m.firms[task.firm]))
      .send({ callWindow: WINDOWS.always });
    if (res.status === 200) task.window = 'always';
    else if (!(res.status === 409 && codeOf(res) === 'TASK_FINISHED'))
      violated('responses', `final phase: reopening the window of task ${task.id} answered ${brief(res)}`);
  }
}

// ---- the arbitraries -----------------------------------------------------------------------------------------

const taskIx = fc.nat({ max: TASK_IX_MAX });

const editShape: fc.Arbitrary<EditShape> = fc.record({
  rename: fc.boolean(),
  // `evening` is closed at the model's mornings: an edit to it closes the window now.
  window: fc.option(fc.constantFrom<WindowKind>('evening', 'evening', 'always', 'office', 'weekdays'), { freq: 2 }),
  maxAttempts: fc.option(fc.integer({ min: 1, max: 3 }), { freq: 2 }),
  retryGapMinutes: fc.option(fc.constantFrom(0, 1, 5, 20), { freq: 3 }),
  batchSize: fc.option(fc.integer({ min: 1, max: 3 }), { freq: 3 }),
  thenEdge: fc.boolean(),
});

const withdrawShape: fc.Arbitrary<WithdrawShape> = fc.record({
  picks: fc.array(fc.nat({ max: 20 }), { minLength: 1, maxLength: 3 }),
  byPhone: fc.boolean(),
  unknown: fc.boolean(),
});

/**
 * Issue 22's commands, each under its feature (MODEL_DISABLE=edit,withdraw), as commandArbitrary() entries. The
 * command classes extend `Base` (commands.ts's ModelCommand, given by commandArbitrary: every step's checks).
 */
export function editCommandEntries(
  Base: abstract new () => ModelCommand,
  gated: (feature: FeatureName, arbitrary: fc.Arbitrary<ModelCommand>) => fc.Arbitrary<ModelCommand>,
): { weight: number; arbitrary: fc.Arbitrary<ModelCommand> }[] {
  class EditTask extends Base {
    constructor(
      readonly taskIx: number,
      readonly edit: EditShape,
    ) {
      super();
    }
    override check(m: Readonly<Model>): boolean {
      return m.tasks.length > 0;
    }
    async act(m: Model, r: Real) {
      const task = pick(m, this.taskIx);
      const firm = m.firms[task.firm];
      const pre = await viewOf(r, m, task);
      const body: Record<string, unknown> = {};
      if (this.edit.rename) body.name = `edited ${r.step}`;
      if (this.edit.window) body.callWindow = WINDOWS[this.edit.window];
      if (this.edit.maxAttempts !== null) body.maxAttempts = this.edit.maxAttempts;
      if (this.edit.retryGapMinutes !== null) body.retryGapMinutes = this.edit.retryGapMinutes;
      if (this.edit.batchSize !== null) body.batchSize = this.edit.batchSize;
      const res: Answer = await r.w.h.http().patch(`/v1/tasks/${task.id}`).set(as(firm)).send(body);
      const empty = Object.keys(body).length === 0;
      // A task may finish between the read and the edit (a push's follow-up completes it in the background).
      const after = await viewOf(r, m, task);
      const finished = [5, 6].includes(pre.status) || [5, 6].includes(after.status);
      const allowed: [number, string?][] = empty
        ? [[400, 'VALIDATION_FAILED']]
        : [5, 6].includes(pre.status)
          ? [[409, 'TASK_FINISHED']]
          : finished
            ? [[200], [409, 'TASK_FINISHED']]
            : [[200]];
      const what = `edit ${show(body)} of task ${task.id} in status ${pre.status}`;
      if (!expectAnswer(what, res, allowed) || res.status !== 200) return { text: `${brief(res)} (task ${task.id})` };

      const expected = {
        ...(body.name ? { name: body.name } : {}),
        ...(body.callWindow ? { callWindow: body.callWindow } : {}),
        ...(body.maxAttempts !== undefined ? { maxAttempts: body.maxAttempts } : {}),
        ...(body.retryGapMinutes !== undefined ? { retryGapMinutes: body.retryGapMinutes } : {}),
        ...(body.batchSize !== undefined ? { batchSize: body.batchSize } : {}),
      };
      const answered = res.body as Record<string, unknown>;
      const got = Object.fromEntries(Object.keys(expected).map((k) => [k, answered[k]]));
      if (show(got) !== show(expected)) violated('responses', `${what} answered 200 with ${show(got)}`);

      if (this.edit.maxAttempts !== null && this.edit.maxAttempts !== task.maxAttempts) {
        const known = await knownCampaigns(r, task.id);
        task.attemptEdits = [
          ...(task.attemptEdits ?? []),
          { from: task.maxAttempts, to: this.edit.maxAttempts, known },
        ];
        task.maxAttempts = this.edit.maxAttempts;
        // A lower value ends the contacts waiting for a retry that already had that many calls.
        const left: { id: string; attempts: number }[] = await r.w.observer.query(
          'SELECT id, attempts FROM ai_visitor_list WHERE task_id = ? AND status = 1 AND call_result = 2 AND attempts >= ?',
          [task.id, task.maxAttempts],
        );
        if (left.length)
          violated(
            'attemptsBound',
            `${what}: contacts ${show(left)} still wait for a retry with maxAttempts ${task.maxAttempts}`,
          );
      }
      if (this.edit.retryGapMinutes !== null) task.retryGapMinutes = this.edit.retryGapMinutes;
      if (this.edit.batchSize !== null) task.batchSize = this.edit.batchSize;
      if (this.edit.window) task.window = this.edit.window;

      let edge = '';
      const closedNow = this.edit.window !== null && !windowOpen(this.edit.window, r.w.clock.now());
      if (this.edit.thenEdge) {
        const wasHealthy = healthy(m) && !m.refuse;
        const startedAt = r.w.clock.now();
        const summary = await edgePass(r.w);
        edge = `; minute check: checked ${summary.checked}, synced ${summary.synced}`;
        if (closedNow && wasHealthy && healthy(m) && !m.refuse && !windowOpen(task.window, startedAt)) {
          // The bound of a window edit: the next minute check pauses a running task outside its new window.
          const view = await viewOf(r, m, task);
          if ([2, 3].includes(view.status))
            violated(
              'windowEditBound',
              `task ${task.id} edited to the ${task.window} window (closed at ${startedAt.toISOString()}) still runs after the next minute check: ${show(view)}`,
            );
          const dialling = await taskDialling(r.w, task.id);
          if (dialling)
            violated(
              'windowEditBound',
              `task ${task.id} edited to the ${task.window} window (closed at ${startedAt.toISOString()}): campaign ${dialling} still dials after the next minute check`,
            );
        }
      }
      return {
        text: `${brief(res)} (task ${task.id} was ${pre.status}${closedNow ? ', window closed now' : ''})${edge}`,
      };
    }
    toString() {
      const e = this.edit;
      const parts = [
        e.rename ? 'name' : '',
        e.window ? `window ${e.window}` : '',
        e.maxAttempts !== null ? `attempts ${e.maxAttempts}` : '',
        e.retryGapMinutes !== null ? `gap ${e.retryGapMinutes}m` : '',
        e.batchSize !== null ? `batch ${e.batchSize}` : '',
      ].filter(Boolean);
      return `Edit(task #${this.taskIx}, ${parts.join(', ') || 'nothing'}${e.thenEdge ? ', then the minute check' : ''})`;
    }
  }

  class WithdrawContacts extends Base {
    constructor(
      readonly taskIx: number,
      readonly shape: WithdrawShape,
    ) {
      super();
    }
    override check(m: Readonly<Model>): boolean {
      return m.tasks.length > 0;
    }
    async act(m: Model, r: Real) {
      const task = pick(m, this.taskIx);
      const firm = m.firms[task.firm];
      const pre = await viewOf(r, m, task);
      const listed: { id: string | number; candidate_ref: string | null }[] = await r.w.observer.query(
        'SELECT id, candidate_ref FROM ai_visitor_list WHERE task_id = ? ORDER BY id',
        [task.id],
      );
      // By number, only contacts whose number the model can still name: an erased one has no reference left to
      // derive it from (its withdrawal by id is still exercised).
      const rows = listed.filter((c): c is { id: string | number; candidate_ref: string } =>
        this.shape.byPhone ? c.candidate_ref !== null : true,
      );
      if (rows.length === 0) return { text: `task ${task.id} has no contacts to withdraw by number` };
      const chosen = [...new Set(this.shape.picks.map((i) => rows[i % rows.length]))];
      // The numbers as the model made them (commands.ts, newContacts: `r<run>-c<seq>` and 139/137 + 8 digits): both
      // prefixes are sent, so one of each pair names the contact and the other none.
      const phonesOf = (ref: string): string[] => {
        const [, run, seq] = /^r(\d+)-c(\d+)$/.exec(ref) ?? [];
        const digits = String(Number(run) * 1000 + Number(seq)).padStart(8, '0');
        return [`139${digits}`, `137${digits}`];
      };
      const body = this.shape.byPhone
        ? {
            phones: [
              ...chosen.flatMap((c) => phonesOf(c.candidate_ref)),
              ...(this.shape.unknown ? ['13600000000'] : []),
            ],
          }
        : { contactIds: [...chosen.map((c) => String(c.id)), ...(this.shape.unknown ? ['999999999999'] : [])] };
      const res: Answer = await r.w.h.http().post(`/v1/tasks/${task.id}/contacts/withdraw`).set(as(firm)).send(body);
      const after = await viewOf(r, m, task);
      const allowed: [number, string?][] = [5, 6].includes(pre.status)
        ? [[409, 'TASK_FINISHED']]
        : [5, 6].includes(after.status)
          ? [[200], [409, 'TASK_FINISHED']]
          : [[200]];
      const what = `withdrawal of ${chosen.length} contact(s) of task ${task.id} (status ${pre.status}) by ${this.shape.byPhone ? 'phone' : 'id'}`;
      if (!expectAnswer(what, res, allowed) || res.status !== 200) return { text: `${brief(res)} (task ${task.id})` };

      const answer = res.body as {
        withdrawn: { contactId: string; phone: string }[];
        afterCampaign: { contactId: string; phone: string }[];
        notFound: { index: number; contactId: string | null; phone: string | null }[];
      };
      const named = [...answer.withdrawn, ...answer.afterCampaign].map((c) => c.contactId);
      const wanted = chosen.map((c) => String(c.id));
      if (show([...named].sort()) !== show([...wanted].sort()))
        violated('responses', `${what} answered contacts ${show(named)}, the request named ${show(wanted)}`);
      const notFound = body.phones ? body.phones.length - chosen.length : this.shape.unknown ? 1 : 0;
      if (answer.notFound.length !== notFound)
        violated('responses', `${what} answered ${answer.notFound.length} not found, expected ${notFound}`);
      if (show(answer).match(/1\d{10}/)) violated('responses', `${what} answered a whole number: ${show(answer)}`);

      const known = await knownCampaigns(r, task.id);
      task.withdrawn ??= new Map();
      for (const id of named) if (!task.withdrawn.has(id)) task.withdrawn.set(id, known);
      const state: {
        id: string | number;
        status: number | string;
        skip_reason: string | null;
        withdraw_pending: number | string;
      }[] =
        wanted.length === 0
          ? []
          : await r.w.observer.query(
              `SELECT id, status, skip_reason, withdraw_pending FROM ai_visitor_list WHERE id IN (${wanted.map(() => '?').join(', ')})`,
              wanted,
            );
      const byId = new Map(state.map((c) => [String(c.id), c]));
      for (const c of answer.withdrawn) {
        const row = byId.get(c.contactId);
        if (Number(row?.status) !== 4)
          violated('withdrawn', `${what}: contact ${c.contactId} answered withdrawn is ${show(row)}`);
      }
      for (const c of answer.afterCampaign) {
        const row = byId.get(c.contactId);
        // Held by its campaign, or withdrawn already by the sync (a push's follow-up may have closed it meanwhile).
        const held = Number(row?.status) === 2 && Number(row?.withdraw_pending) === 1;
        const done = Number(row?.status) === 4 && row?.skip_reason === 'withdrawn';
        if (!held && !done)
          violated('withdrawn', `${what}: contact ${c.contactId} answered after its campaign is ${show(row)}`);
      }
      return {
        text: `${brief(res)}: ${answer.withdrawn.length} withdrawn, ${answer.afterCampaign.length} after their campaign, ${answer.notFound.length} not found (task ${task.id} was ${pre.status})`,
      };
    }
    toString() {
      const s = this.shape;
      return `Withdraw(task #${this.taskIx}, ${s.picks.length} by ${s.byPhone ? 'phone' : 'id'}${s.unknown ? ', one unknown' : ''})`;
    }
  }

  return [
    {
      weight: 2,
      arbitrary: gated(
        'edit',
        fc.tuple(taskIx, editShape).map(([t, e]) => new EditTask(t, e)),
      ),
    },
    {
      weight: 2,
      arbitrary: gated(
        'withdraw',
        fc.tuple(taskIx, withdrawShape).map(([t, s]) => new WithdrawContacts(t, s)),
      ),
    },
  ];
}
