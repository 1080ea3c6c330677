import fc from 'fast-check';
import { nextShanghai } from './support/model/call-windows';
import { commandArbitrary, createTaskArbitrary } from './support/model/commands';
import { DIAGNOSTIC_NOTE, PATH, PLATFORM, REPLAY_PATH, SEED, SHRINK, SIZE, SOAK } from './support/model/config';
import { finalPhase } from './support/model/final-phase';
import { REGRESSIONS } from './support/model/regressions';
import { SCHEDULE_RUNS } from './support/model/commands-schedule';
import {
  as,
  FirmModel,
  grant,
  Model,
  Real,
  setFaults,
  setLatency,
  setPush,
  sleep,
  startWorld,
  stopWorld,
  World,
} from './support/model/world';

/**
 * The lifecycle of tasks, proven by a model-based test (issue 11, "How it is proven"): fast-check generates
 * seeded sequences of what recruiters, operations, the worker, the clock and the platform do — create, add
 * contacts, start, pause, resume, cancel, worker passes (one or two workers, or racing a recruiter), pushed
 * results on/off, platform faults (5xx, time-outs, lost replies), refusals, never-dialled numbers, oversized
 * values, clock moves across window edges, retry gaps and callbacks, BOT close / expiry / reopen — and runs them
 * against the real API (HTTP), real worker passes and the robot-call simulator (behind a small fault proxy).
 *
 * The model keeps only what it decided (firms, tasks, faults, BOT, clock); the tasks' states are read back, never
 * predicted, and every answer must be one the model allows for the state read just before. After every step:
 *  1. every remote campaign maps to exactly one call task; every stored record is stored once and is real;
 *  3. at most one active call task per task;  4. statistics counters equal the aggregate;
 *  5. a task in 2/3/4 with no campaign running says what it waits for (`waitingFor`, `nextActionAt`);
 *  8. a task's lifecycle events (`task.*`, in sequence order) follow one another as a status history can, and
 *     the last says what the task is now, with its pause reason.
 * After every pass run on a healthy platform:
 *  2. no campaign dials unless its task is 2/3 and may call now (window open, BOT usable);
 *  7. no task stays "starting" across healthy passes (refusals end in `platform_rejected`, not endless retries).
 * In the final phase (platform healthy, window open, BOT open; paused tasks resumed by the recruiter):
 *  1. every record the platform made is stored, on its contact, in the statistics and in the CSV export — for
 *     paused, completed and cancelled tasks alike;  6. every started task reaches 5 or 6 within bounded passes;
 *     and the relay, with a healthy receiver, leaves no delivery pending.
 *
 * Progress (issue 20, item 7; SPEC "Progress bounds", K = 1 pass), each a named check in support/model/invariants.ts,
 * against the state read at the end of the step before:
 *  - `dueWork` (after a healthy sync pass): a cancelled task still reading has its campaign read and closed; a task
 *    in progress with no campaign and contacts due (window open, BOT usable) has opened one;
 *  - `stoppedWithinOnePass` (after a healthy sync pass): a task paused or cancelled before and after it has no
 *    campaign dialling on the platform, whatever its call task's local status says;
 *  - `campaignMovedOn`: a campaign the platform reported finished is closed after one healthy sync pass or edge
 *    pass; one whose end this step's pushes revealed (every contact's result stored) is closed once the service's
 *    push follow-up had PROGRESS.pushFollowUpMs (support/model/progress.ts, `awaitPushFollowUp`: the hook to wire
 *    to the service's follow-up);
 *  - `attemptsBound` (every step): no contact dialled more than its attempts plus its callback allow;
 *  - `deliveryDue`, `deliveryHorizon` (after relay rounds): every delivery that could be sent when the rounds
 *    started was acted on, and none so acted on is still pending past its retry horizon (WEBHOOK_RETRY_HOURS);
 *  - `leasesAfterCut` (after a database cut, MariaDB): no lease of the pass the cut broke outlives the database's
 *    return by more than 5 s.
 * Commands for them: many tasks at once (CreateMany; the world runs SYNC_CONCURRENCY=1, a claim batch of 4);
 * pushes lost, held back and released late or reversed, and repeated (a push proxy); lost replies of
 * change_status (start, pause, stop) as well as add (the platform proxy); the worker's edge pass; relay rounds with
 * a healthy, slow or failing receiver; redelivery by time range; and database cuts (CutDatabase, MariaDB: a TCP
 * proxy between the apps and the server, cut in the middle of a sync pass; a no-op on the embedded database).
 *
 * Issue 20's cases, each failing on main before its fix (the fixed regression runs below, support/model/regressions.ts,
 * and seeds of the random model; the seeds are for this file's arbitraries as of this commit, and the later ones
 * were found with the earlier checks skipped, since a run ends at its first failure):
 *  - item 1 (a campaign's end idles until the push-quiet period ends): `campaignMovedOn`, the CI seed itself
 *    (MODEL_SEED=20261201: the first edge pass after a campaign ends), and regressions "item 1";
 *  - item 2 (a cancelled task still reading starved by the claim order): `dueWork`, MODEL_SEED=3
 *    MODEL_SKIP=campaignMovedOn (MODEL_PATH=6:0:0:3:3:6:6:8:5:4:4:4:4:4 MODEL_REPLAY='OAER/J:1'), regression "item 2";
 *  - item 3 (a pause after a start whose reply was lost sends no remote pause): `stoppedWithinOnePass`, regression
 *    "item 3" (400 contacts, so the campaign still dials when the pass comes; the random model's tasks are small);
 *  - item 4 (a redelivery schedules unrendered batch rows, pending for ever): `deliveryDue`, MODEL_SEED=4
 *    MODEL_SKIP=campaignMovedOn (MODEL_PATH=0:0:0:0:0:4:4:6:7:9:7:7:7 MODEL_REPLAY='SL/Q:N'), regression "item 4".
 *
 * Size: `npm test` runs a fixed seed at CI size (SIZE in support/model/config.ts); `npm run soak` (SOAK=1) a random
 * seed, more runs, longer sequences. A failure prints its seed, path and replayPath: replay with
 * `MODEL_SEED=… MODEL_PATH=… MODEL_REPLAY=… npx jest test/lifecycle-model.e2e-spec.ts` (the platform dials in real
 * time, so a replay follows the same steps but timings may differ). support/model/config.ts lists every knob.
 */
describe('task lifecycle: model-based test against the real API, worker and platform', () => {
  let w: World | undefined;

  beforeAll(async () => {
    w = await startWorld();
  });

  afterAll(async () => {
    await stopWorld(w);
  });

  /** A fresh world for one run: new firms (so earlier runs' tasks never count), platform healthy, a new morning. */
  async function setupRun(world: World): Promise<{ model: Model; real: Real }> {
    world.runs++;
    await setFaults(world, null);
    await setLatency(world, 0);
    await setPush(world, false);
    world.proxy.refuse = false;
    world.proxy.oversize = false;
    world.pushProxy.faults = null;
    world.pushProxy.drop();
    world.receiver.options = {};
    // Earlier runs' tasks (a failed run leaves some running) are cancelled, so passes stay small and a task of an
    // earlier run never fails a pass of this one. Isolation only: one the API cannot cancel is ended in the database.
    const leftovers = world.leftovers.splice(0);
    for (const { firm, taskId } of leftovers) {
      await world.h
        .http()
        .post(`/v1/tasks/${taskId}/cancel`)
        .set(as(firm))
        .catch(() => undefined);
    }
    if (leftovers.length) {
      const ids = leftovers.map((l) => l.taskId);
      const marks = ids.map(() => '?').join(', ');
      await world.observer.query(
        `UPDATE ai_visitor_call_task SET status = 3 WHERE task_id IN (${marks}) AND status IN (0, 1, 2)`,
        ids,
      );
      await world.observer.query(
        `UPDATE ai_visitor_task SET status = 6 WHERE id IN (${marks}) AND status NOT IN (5, 6)`,
        ids,
      );
    }
    // Deliveries an earlier run left pending (it failed before its relay drained) are given up: isolation only.
    await world.observer.query(
      `UPDATE ai_visitor_webhook_delivery SET status = 2, last_error = 'model: an earlier run' WHERE status = 0`,
    );
    world.clock.set(nextShanghai(world.clock.now(), 10, 0));
    const firms: FirmModel[] = Array.from({ length: SIZE.firms }, (_, i) => ({
      id: 100_000 + world.runs * 10 + i,
      account: 1,
      bot: { kind: 'open' },
    }));
    for (const firm of firms)
      if ((await grant(world, firm, firm.bot)) !== 200) throw new Error(`could not grant the BOT of firm ${firm.id}`);
    const model: Model = {
      firms,
      tasks: [],
      faults: null,
      healthyFrom: Date.now(),
      push: false,
      pushFaults: null,
      receiver: 'healthy',
      latencyMs: 0,
      refuse: false,
      oversize: false,
      startingStreak: {},
      observed: {},
    };
    return { model, real: { w: world, run: world.runs, phoneSeq: 0, step: 0, log: [] } };
  }

  it(
    'keeps every result and leaves no task stuck, whatever the sequence',
    async () => {
      const world = w!;
      if (DIAGNOSTIC_NOTE) process.stdout.write(`\n${DIAGNOSTIC_NOTE}\n`);
      process.stdout.write(
        `\nlifecycle model: seed ${SEED}${PATH ? `, path ${PATH}` : ''}, ${SIZE.runs} runs of up to ${SIZE.commands} commands${SOAK ? ' (SOAK)' : ''}, database ${world.h.db.kind}\n`,
      );
      let inFlight: Promise<unknown> = Promise.resolve();
      const started = Date.now();
      let runs = 0;
      // Every run opens with a task created, then a generated sequence.
      const property = fc.asyncProperty(
        createTaskArbitrary(),
        fc.commands([commandArbitrary()], {
          maxCommands: SIZE.commands,
          size: 'max',
          ...(REPLAY_PATH ? { replayPath: REPLAY_PATH } : {}),
        }),
        async (first, cmds) => {
          await inFlight.catch(() => undefined);
          let ctx: { model: Model; real: Real } | undefined;
          const body = (async () => {
            await fc.asyncModelRun(async () => (ctx = await setupRun(world)), [first, ...cmds]);
            await finalPhase(ctx!.model, ctx!.real);
          })();
          inFlight = body;
          runs++;
          try {
            await body;
          } catch (error) {
            const log = ctx?.real.log ?? [];
            (error as Error).message +=
              `\n  what the real system answered (run ${ctx?.real.run}, last ${Math.min(log.length, 60)} of ${log.length} steps):\n    ${log.slice(-60).join('\n    ')}`;
            throw error;
          }
        },
      );
      const details = await fc.check(property, {
        seed: SEED,
        ...(PATH ? { path: PATH } : {}),
        numRuns: PATH ? 1 : SIZE.runs,
        endOnFailure: !SHRINK,
        plugins: [fc.interruptAfterTimeLimit(SIZE.timeLimitMs)],
      });
      // An interrupted run keeps going in the background: let it end before the harness closes.
      await inFlight.catch(() => undefined);
      await setFaults(world, null);
      await sleep(Math.max(...PLATFORM.hangsMs));
      process.stdout.write(
        `lifecycle model: ${runs} runs (shrinking included) in ${Math.round((Date.now() - started) / 1000)} s${details.interrupted ? ', stopped at the time limit' : ''}\n`,
      );
      if (details.failed) {
        const replay = `MODEL_SEED=${details.seed} MODEL_PATH=${details.counterexamplePath ?? ''}`;
        const replayPath = /replayPath="([^"]*)"/.exec(
          String((details.counterexample as [unknown, { toString(): string }] | null)?.[1] ?? ''),
        )?.[1];
        throw new Error(
          `${fc.defaultReportMessage(details)}\n\n${(details.errorInstance as Error)?.message ?? String(details.errorInstance)}\n\nReplay: ${replay}${replayPath ? ` MODEL_REPLAY='${replayPath}'` : ''} npx jest test/lifecycle-model.e2e-spec.ts${DIAGNOSTIC_NOTE ? `\n${DIAGNOSTIC_NOTE}` : ''}`,
        );
      }
      if (DIAGNOSTIC_NOTE) process.stdout.write(`${DIAGNOSTIC_NOTE}\n`);
    },
    SOAK ? 3_600_000 : Math.max(300_000, SIZE.timeLimitMs * 3),
  );

  /** A fixed run of the model's own commands, checked by the same invariants and ended by the same final phase. */
  async function fixedRun(commands: Iterable<fc.AsyncCommand<Model, Real>>): Promise<void> {
    const world = w!;
    let ctx: { model: Model; real: Real } | undefined;
    try {
      await fc.asyncModelRun(async () => (ctx = await setupRun(world)), commands);
      await finalPhase(ctx!.model, ctx!.real);
    } catch (error) {
      const log = ctx?.real.log ?? [];
      (error as Error).message +=
        `\n  what the real system answered (run ${ctx?.real.run}):\n    ${log.join('\n    ')}`;
      throw error;
    } finally {
      await setFaults(world, null);
    }
  }

  /** Issue 20's cases as fixed runs (support/model/regressions.ts): each failed on main before its fix. */
  it.each(REGRESSIONS.map((x) => [`item ${x.item}: ${x.name} (${x.invariant})`, x] as const))(
    'regression, issue 20 %s',
    (_name, regression) => fixedRun(regression.commands()),
    120_000,
  );

  /** Issue 22's start at a set time and follow-ups as fixed runs (support/model/commands-schedule.ts). */
  it.each(SCHEDULE_RUNS.map((x) => [x.name, x] as const))(
    'issue 22: %s',
    (_name, run) => fixedRun(run.commands()),
    120_000,
  );
});
