import { DataSource } from 'typeorm';
import { queryRows } from '@app/database';
import { asAccount, Harness, startHarness } from '../../../../test/support/harness';
import { contacts, createTask, grantBot } from '../../../../test/support/factories';
import { LeaseLostError } from '../domain/sync-fence';
import { SyncLeases } from './sync-leases';
import { SyncTask } from './sync-task.usecase';

const FIRM = 7501;
const me = asAccount(FIRM, 1);

/**
 * Leases between workers in one process: the fencing token. It lives in the sync engine's folder because it drives
 * its internals (SyncLeases, one task's SyncTask) directly; the apps reach them only through the passes. Several workers as real processes over 200 tasks
 * are in test/worker-processes.e2e-spec.ts.
 */
describe('sync leases', () => {
  let h: Harness;
  let ds: DataSource;

  beforeAll(async () => {
    h = await startHarness({ simulator: { callMs: 2, parallelism: 50 } });
    await grantBot(h, FIRM, { botTaskNum: 1000 });
    ds = h.api.get(DataSource);
  });

  afterAll(async () => {
    await h.close();
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

    const count = async () => {
      const [row] = await queryRows<{ n: number | string }>(
        ds,
        'SELECT COUNT(*) AS n FROM ai_visitor_call_record WHERE task_id = ?',
        [taskId],
      );
      return Number(row.n);
    };
    await expect(a.get(SyncTask).execute({ taskId: String(taskId), fence: fenceA })).rejects.toBeInstanceOf(
      LeaseLostError,
    );
    expect(await count()).toBe(0);

    await b.get(SyncTask).execute({ taskId: String(taskId), fence: fenceB });
    expect(await count()).toBe(5);
    await b.get(SyncLeases).release([fenceB]);
    await a.get(SyncLeases).release([fenceA]); // a stale release changes nothing
  });
});
