import axios from 'axios';
import { DataSource } from 'typeorm';
import { EventSequencer } from '@app/events';
import { FailpointName, FAILPOINTS } from '@app/core';
import { asAccount, Harness, SIMULATOR_KEY, startHarness } from './support/harness';
import { ALWAYS, createTask, grantBot, mobiles, syncUntil } from './support/factories';
import { groundTruth } from './support/ground-truth';
import { spawnWorker } from './support/worker-child';
import { expectCountersExact } from './support/stats-counters';
import { ApiError, bodyOf, TaskResponse, TaskStatsResponse, typed } from './support/api-types';

/**
 * kill -9 of a worker process at every crash point of a sync pass (libs/core/src/failpoints), then a restarted
 * worker finishes the work: no result lost or stored twice, no campaign orphaned or doubled, no contact in two
 * campaigns at once, statistics equal to what the platform really dialled.
 *
 * Scale: `npm test` runs each point once over two small tasks; `npm run soak` (SOAK=1) runs every point at its
 * 1st, 2nd and 3rd occurrence over larger tasks with gateway faults injected.
 */
const SOAK = process.env.SOAK === '1';
const OCCURRENCES = SOAK ? [1, 2, 3] : [1];
const TASKS = SOAK ? 3 : 2;
const CONTACTS = SOAK ? 30 : 8;
const BATCH = SOAK ? 7 : 3;
const COMPLETED = 5;
const CALL_MS = 20;
/**
 * The suspend points need campaigns still dialling when the worker pauses them: `suspend.after-remote-pause` is
 * only reached by a pause the platform accepts, one per running campaign, so the scenario adds one slow task per
 * occurrence run (the @3 case needs three). Each is one campaign of SLOW_SIZE contacts, two rounds of calls at the
 * simulator's parallelism (10). Under soak faults a pause can take several retries and passes (time-outs of 1 s,
 * backoff, 20% errors), so the calls last long enough there that the pause lands while they run (two rounds:
 * ~40 s, vs ~3 s without faults).
 */
const SLOW_TASKS = Math.max(...OCCURRENCES);
const SLOW_SIZE = 20;
const SLOW_CALL_MS = SOAK ? 20_000 : 1_500;
/** Errors of the API that a recruiter meets when the platform misbehaves, and answers by trying again. */
const TRANSIENT_PLATFORM_ERRORS = ['ROBOT_CALL_UNAVAILABLE', 'ROBOT_CALL_TIMEOUT'];

const NO_FAULTS = { errorRate: 0, timeoutRate: 0, hangMs: 0, delayMs: 0, lostReplyRate: 0 };

async function setFaults(h: Harness, faults: typeof NO_FAULTS): Promise<void> {
  await axios.put(`${h.simulator.baseUrl}/_simulator/faults`, faults, {
    headers: { Authorization: `Bearer ${SIMULATOR_KEY}` },
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The recruiter's start (resume). Under soak faults the platform may fail it (502/504, right for the API): the
 * recruiter tries again, as a person would; the launch is idempotent. Without faults the first answer must be 200.
 */
async function startAsRecruiter(h: Harness, me: Record<string, string>, taskId: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const res = typed<ApiError>(await h.http().post(`/v1/tasks/${taskId}/start`).set(me));
    const transient = SOAK && TRANSIENT_PLATFORM_ERRORS.includes(res.body?.code) && attempt < 40;
    if (!transient) {
      expect({ status: res.status, body: res.status === 200 ? undefined : res.body }).toEqual({ status: 200 });
      return;
    }
    await sleep(500); // past a circuit opened by the faults (10 s) within the 40 attempts
  }
}

/**
 * The sync's points; the relay's (`relay.*`) are test/webhook-relay-crash.e2e-spec.ts's, the sequencer's
 * (`sequence.*`) test/events-outbox.e2e-spec.ts's.
 */
const SYNC_POINTS = FAILPOINTS.filter((point) => !point.startsWith('relay.') && !point.startsWith('sequence.'));
const CASES: { point: FailpointName; nth: number }[] = SYNC_POINTS.flatMap((point) =>
  OCCURRENCES.map((nth) => ({ point, nth })),
);

describe('a worker killed (SIGKILL) at any point of a sync pass loses nothing and doubles nothing', () => {
  let h: Harness;
  let ds: DataSource;

  beforeAll(async () => {
    h = await startHarness({
      simulator: { callMs: CALL_MS, parallelism: 10 },
      // Small pages and batches: a pass crosses every boundary (several pages, campaigns and tasks).
      env: { SYNC_PAGE_SIZE: '3', SYNC_CONCURRENCY: '2', ROBOT_CALL_TIMEOUT_MS: '1000' },
    });
    ds = h.api.get(DataSource);
  });

  afterAll(async () => {
    await h.close();
  });

  it.each(CASES.map((c, i) => [`${c.point}@${c.nth}`, c, i] as const))(
    '%s',
    async (_label, { point, nth }, index) => {
      const firm = 8100 + index;
      const me = asAccount(firm, 1);
      await grantBot(h, firm);
      // Suspend points: the firm's BOT is closed while a slow campaign dials, so the worker pauses tasks.
      const suspending = point.startsWith('suspend.');
      const sizes = [
        ...Array<number>(TASKS).fill(CONTACTS),
        ...Array<number>(suspending ? SLOW_TASKS : 0).fill(SLOW_SIZE),
      ];
      // The slow tasks are the last ones (told by position: SLOW_SIZE is below CONTACTS under soak).
      const slow = (t: number) => t >= TASKS;
      const taskIds: string[] = [];
      for (const [t, size] of sizes.entries()) {
        const numbers = mobiles(size, index * 1000 + t * 200 + 1, '135');
        taskIds.push(
          await createTask(h, firm, 1, {
            contacts: numbers.map((phone) => ({ phone })),
            // A slow task is one campaign of all its contacts.
            batchSize: slow(t) ? size : BATCH,
            maxAttempts: 2,
            retryGapMinutes: 0,
            callWindow: ALWAYS,
          }),
        );
      }

      // The worker as its own process, armed to die at the point; booted first, so the campaigns it meets are fresh.
      const worker = spawnWorker({ AIV_FAILPOINT: `${point}@${nth}`, AIV_WORKER_MAX_MS: SOAK ? '180000' : '30000' });
      await worker.ready;
      for (const [t, id] of taskIds.entries()) {
        // The simulator reads the call duration when a campaign is created: only the slow tasks' first campaigns are
        // slow (a second attempt opened later by the worker dials at CALL_MS).
        h.simulator.options.callMs = slow(t) ? SLOW_CALL_MS : CALL_MS;
        await h.http().post(`/v1/tasks/${id}/start`).set(me).expect(200);
      }
      h.simulator.options.callMs = CALL_MS;
      if (suspending) await grantBot(h, firm, { isOpenBot: false });
      // Soak: the platform misbehaves too (errors, time-outs, slow replies, lost "create" replies).
      await setFaults(
        h,
        SOAK ? { errorRate: 0.2, timeoutRate: 0.1, hangMs: 1_200, delayMs: 20, lostReplyRate: 0.1 } : NO_FAULTS,
      );
      worker.go();
      const death = await worker.exited;
      // A worker that never reached the point reports its passes and the tasks it left before exiting.
      const report = death.report && { passes: death.report.passes, left: death.report.left };
      expect({ signal: death.signal, code: death.code, report }).toEqual({
        signal: 'SIGKILL',
        code: null,
        report: undefined,
      });

      // Its leases would expire after SYNC_LEASE_SECONDS; expire them now, then a new worker takes over.
      await ds.query('UPDATE ai_visitor_task SET lease_until = NULL WHERE firm_id = ?', [firm]);
      if (suspending) {
        // Operations reopen the BOT; the recruiter resumes what the closed BOT paused.
        await grantBot(h, firm);
        // A pause cut short is finished first: passes until no paused task has a campaign recorded as running
        // (under faults a pass may fail to reach the platform; the worker's next pass tries again).
        for (let pass = 0; ; pass++) {
          await h.sync();
          const [{ n }] = await ds.query<{ n: number | string }[]>(
            `SELECT COUNT(*) AS n FROM ai_visitor_call_task c JOIN ai_visitor_task t ON t.id = c.task_id
           WHERE t.firm_id = ? AND t.status = 4 AND c.status = 1`,
            [firm],
          );
          if (Number(n) === 0) break;
          if (pass >= 50)
            throw new Error(`firm ${firm}: ${n} paused task(s) still have a running campaign after ${pass + 1} passes`);
          await sleep(100);
        }
        for (const id of taskIds) {
          const task = bodyOf<TaskResponse>(await h.http().get(`/v1/tasks/${id}`).set(me).expect(200));
          if (task.status === 4) await startAsRecruiter(h, me, id);
        }
      }
      // The slow campaigns dial for ~40 s under soak: enough passes to outlast them.
      for (const id of taskIds) await syncUntil(h, firm, 1, id, COMPLETED, suspending && SOAK ? 4000 : 400);
      await setFaults(h, NO_FAULTS);

      const placeholders = taskIds.map(() => '?').join(', ');
      const callTasks = await ds.query<
        { id: string; request_id: string; campaign_id: string | null; status: number }[]
      >(
        `SELECT id, request_id, campaign_id, status FROM ai_visitor_call_task WHERE task_id IN (${placeholders})`,
        taskIds,
      );
      expect(callTasks.filter((c) => c.campaign_id === null || Number(c.status) !== 3)).toEqual([]);

      // Every campaign the platform holds is one of ours, under the request id we recorded: nothing orphaned,
      // nothing created twice (across all the points run so far, too).
      const truthAll = await groundTruth(h.simulator.baseUrl);
      const allLocal = await ds.query<{ request_id: string; campaign_id: string | null }[]>(
        'SELECT request_id, campaign_id FROM ai_visitor_call_task',
      );
      const localByRequest = new Map(allLocal.map((c) => [c.request_id, c.campaign_id]));
      const orphans = truthAll.campaigns.filter((c) => localByRequest.get(c.request_id) !== c.campaign_id);
      expect(orphans.map((c) => c.request_id)).toEqual([]);

      // Every call the platform made is stored exactly once.
      const mine = new Set(callTasks.map((c) => String(c.campaign_id)));
      const truth = await groundTruth(h.simulator.baseUrl, [...mine]);
      expect(truth.campaigns).toHaveLength(callTasks.length);
      const remoteRecords = truth.campaigns.flatMap((c) => (c.records ?? []).map((r) => r.record_id)).sort();
      const stored = await ds.query<{ record_id: string }[]>(
        `SELECT record_id FROM ai_visitor_call_record WHERE task_id IN (${placeholders}) ORDER BY record_id`,
        taskIds,
      );
      expect(stored.map((r) => r.record_id).sort()).toEqual(remoteRecords);

      // Every contact is done, and was called exactly as often as its attempts say: a call made while the contact
      // sat in two campaigns at once, or a result lost or applied twice, would break the equality.
      const callsPerRef = new Map<string, number>();
      for (const c of truth.campaigns)
        for (const r of c.records ?? []) callsPerRef.set(r.ref, (callsPerRef.get(r.ref) ?? 0) + 1);
      const contacts = await ds.query<{ id: string; attempts: number; status: number }[]>(
        `SELECT id, attempts, status FROM ai_visitor_list WHERE task_id IN (${placeholders}) ORDER BY id`,
        taskIds,
      );
      expect(contacts).toHaveLength(sizes.reduce((a, b) => a + b, 0));
      expect(
        contacts.map((c) => ({ id: String(c.id), status: Number(c.status), attempts: Number(c.attempts) })),
      ).toEqual(contacts.map((c) => ({ id: String(c.id), status: 3, attempts: callsPerRef.get(String(c.id)) ?? -1 })));

      // The outbox moved with them: exactly one contact.called per stored call result (none for a page the crash
      // rolled back, none twice for a page stored again), and each task's sequences gapless from 1. A page writes
      // its results' events as one batch, rendered when the relay's sequencer runs: run it as the relay would.
      await h.api.get(EventSequencer).sequenceAll();
      const called: string[] = (
        await ds.query<{ data: string }[]>(
          `SELECT data FROM ai_visitor_event WHERE type = 'contact.called' AND task_id IN (${placeholders})`,
          taskIds,
        )
      ).map((e) => (JSON.parse(e.data) as { recordId: string }).recordId);
      expect(called.sort()).toEqual(stored.map((r) => r.record_id).sort());
      const sequences = await ds.query<{ task_id: string | number; sequence: number }[]>(
        `SELECT task_id, sequence FROM ai_visitor_event WHERE task_id IN (${placeholders}) ORDER BY task_id, sequence`,
        taskIds,
      );
      for (const id of taskIds) {
        const own = sequences.filter((e) => String(e.task_id) === String(id)).map((e) => Number(e.sequence));
        expect(own).toEqual(own.map((_, i) => i + 1));
      }

      // The statistics counters moved with the contacts, even in the transactions the crash cut short…
      await expectCountersExact(ds);
      // …and the statistics equal what was really dialled, per task.
      for (const [t, id] of taskIds.entries()) {
        const own = await ds.query<{ campaign_id: string }[]>(
          'SELECT campaign_id FROM ai_visitor_call_task WHERE task_id = ?',
          [id],
        );
        const taskTruth = await groundTruth(
          h.simulator.baseUrl,
          own.map((c) => c.campaign_id),
        );
        const stats = bodyOf<TaskStatsResponse>(await h.http().get(`/v1/tasks/${id}/stats`).set(me).expect(200));
        expect(stats).toMatchObject({
          total: sizes[t],
          done: sizes[t],
          connected: taskTruth.finalConnected,
          attempts: taskTruth.records,
          intentions: taskTruth.finalIntentions,
        });
      }
    },
    process.env.SOAK === '1' ? 900_000 : 180_000,
  ); // two worker processes boot per case (~10 s alone); a loaded CI machine has taken over 60 s
});
