import { TestingModule } from '@nestjs/testing';
import { DataSource } from 'typeorm';
import { LeaseLostError, runFenced, RunSyncPass, SyncLeases, SyncTask } from '@app/task';
import { asAccount, Harness, startHarness } from './support/harness';
import { contacts, createTask, grantBot } from './support/factories';
import { groundTruth } from './support/ground-truth';

const FIRM = 7501;
const me = asAccount(FIRM, 1);

interface Visit {
  taskId: string;
  worker: number;
  start: bigint;
  end: bigint;
}

/** Wraps a worker's SyncTask so every sync of a task is recorded with the worker and its time span. */
function recordVisits(worker: TestingModule, index: number, visits: Visit[]): void {
  const sync = worker.get(SyncTask);
  const original = sync.execute.bind(sync);
  jest.spyOn(sync, 'execute').mockImplementation(async (taskId: string) => {
    const visit: Visit = { taskId, worker: index, start: process.hrtime.bigint(), end: 0n };
    try {
      return await original(taskId);
    } finally {
      visit.end = process.hrtime.bigint();
      visits.push(visit);
    }
  });
}

describe('several workers share the sync through leases', () => {
  let h: Harness;
  let ds: DataSource;

  beforeAll(async () => {
    // Half the calls fail and are retried once: a task needs several passes, so the workers meet often.
    h = await startHarness({ simulator: { callMs: 2, parallelism: 50, connectRate: 0.5, intentionMix: { 0: 0.2, 1: 0.4, 2: 0.4, 3: 0, 4: 0 } } });
    await grantBot(h, FIRM, { botTaskNum: 1000 });
    ds = h.api.get(DataSource);
  });

  afterAll(async () => {
    await h.close();
  });

  it('3 workers over 200 tasks: every task completes, none is synced by two workers at once, work is shared', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 200; i++) ids.push(await createTask(h, FIRM, 1, { contacts: contacts(3, 10_000 + i * 3), maxAttempts: 2 }));
    for (const id of ids) await h.http().post(`/v1/tasks/${id}/start`).set(me).expect(200);

    const workers = [h.worker, await h.addWorker(), await h.addWorker()];
    const visits: Visit[] = [];
    workers.forEach((w, i) => recordVisits(w, i, visits));

    const completed = async () => Number((await ds.query('SELECT COUNT(*) AS n FROM ai_visitor_task WHERE firm_id = ? AND status = 5', [FIRM]))[0].n);
    for (let round = 0; round < 60 && (await completed()) < 200; round++) {
      await Promise.all(workers.map((w) => w.get(RunSyncPass).execute()));
    }
    expect(await completed()).toBe(200);

    const byTask = new Map<string, Visit[]>();
    for (const v of visits) byTask.set(v.taskId, [...(byTask.get(v.taskId) ?? []), v]);
    for (const [, list] of byTask) {
      list.sort((a, b) => (a.start < b.start ? -1 : 1));
      for (let i = 1; i < list.length; i++) expect(list[i].start).toBeGreaterThanOrEqual(list[i - 1].end);
    }
    const perWorker = [0, 1, 2].map((w) => visits.filter((v) => v.worker === w).length);
    for (const n of perWorker) expect(n).toBeGreaterThan(0);

    const [{ records, distinct }] = await ds.query('SELECT COUNT(*) AS records, COUNT(DISTINCT record_id) AS distinct_ids FROM ai_visitor_call_record').then(
      (rows: { records: number; distinct_ids: number }[]) => rows.map((r) => ({ records: Number(r.records), distinct: Number(r.distinct_ids) })),
    );
    expect(records).toBe(distinct);
    expect(records).toBe((await groundTruth(h.simulator.baseUrl)).records);
    const [{ n: unreleased }] = await ds.query('SELECT COUNT(*) AS n FROM ai_visitor_task WHERE lease_until IS NOT NULL');
    expect(Number(unreleased)).toBe(0);
  });

  it('a worker that wakes after its lease expired and was taken over writes nothing (fencing)', async () => {
    const taskId = await createTask(h, FIRM, 1, { contacts: contacts(5, 50_000), maxAttempts: 1 });
    await h.http().post(`/v1/tasks/${taskId}/start`).set(me).expect(200);
    await new Promise((r) => setTimeout(r, 200)); // the simulator dials all five

    const a = h.worker;
    const b = await h.addWorker();
    const [fenceA] = (await a.get(SyncLeases).claim('worker-a', 1000)).filter((f) => f.taskId === String(taskId));
    expect(fenceA).toBeDefined();
    // Worker B cannot take a live lease…
    expect((await b.get(SyncLeases).claim('worker-b', 1000)).some((f) => f.taskId === String(taskId))).toBe(false);
    // …but worker A "pauses" past its lease, which expires (database time), and B takes the task over.
    await ds.query("UPDATE ai_visitor_task SET lease_until = '2000-01-01 00:00:00' WHERE id = ?", [taskId]);
    const [fenceB] = (await b.get(SyncLeases).claim('worker-b', 1000)).filter((f) => f.taskId === String(taskId));
    expect(Number(fenceB.epoch)).toBe(Number(fenceA.epoch) + 1);

    const count = async () => Number((await ds.query('SELECT COUNT(*) AS n FROM ai_visitor_call_record WHERE task_id = ?', [taskId]))[0].n);
    await expect(runFenced(fenceA, () => a.get(SyncTask).execute(String(taskId)))).rejects.toBeInstanceOf(LeaseLostError);
    expect(await count()).toBe(0);

    await runFenced(fenceB, () => b.get(SyncTask).execute(String(taskId)));
    expect(await count()).toBe(5);
    await b.get(SyncLeases).release([fenceB]);
    await a.get(SyncLeases).release([fenceA]); // a stale release changes nothing
  });
});
