import { DataSource } from 'typeorm';
import { asAccount, Harness, startHarness } from './support/harness';
import { contacts, createTask, grantBot } from './support/factories';
import { groundTruth } from './support/ground-truth';
import { expectCountersExact } from './support/stats-counters';
import { ApiError, bodyOf, TaskResponse } from './support/api-types';

const FIRM = 7801;
const me = asAccount(FIRM, 1);

/** A small deterministic PRNG, so a failing mix can be replayed. */
function mulberry32(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Pause, start and cancel fired at once on a running task, in random mixes: whatever the interleaving, the end
 * state is one a sequential order could produce, the task, its call task and the remote campaign agree, every
 * answer is a documented one (never a 500), and there is never more than one campaign.
 */
describe('concurrent pause / start / cancel', () => {
  let h: Harness;
  let ds: DataSource;

  beforeAll(async () => {
    h = await startHarness({ simulator: { callMs: 60_000, parallelism: 1 } });
    await grantBot(h, FIRM, { botTaskNum: 1000 });
    ds = h.api.get(DataSource);
  });

  afterAll(async () => {
    await h.close();
  });

  it.each(Array.from({ length: 12 }, (_, i) => i + 1))('mix %i', async (seed) => {
    const random = mulberry32(seed);
    const taskId = await createTask(h, FIRM, 1, { contacts: contacts(4, 60_000 + seed * 10) });
    await h.http().post(`/v1/tasks/${taskId}/start`).set(me).expect(200);
    const actions = Array.from(
      { length: 12 },
      () => ['pause', 'start', 'cancel', 'pause', 'start'][Math.floor(random() * 5)],
    );
    const answers = await Promise.all(actions.map((a) => h.http().post(`/v1/tasks/${taskId}/${a}`).set(me)));
    for (const res of answers) {
      expect([200, 409]).toContain(res.status);
      if (res.status === 409) expect(['TASK_NOT_RUNNING', 'TASK_FINISHED']).toContain(bodyOf<ApiError>(res).code);
    }
    // The intent each answer recorded is final; one worker pass reads a cancelled task's stopped campaign to its
    // end and makes the platform agree with whichever intent won.
    await h.sync();

    const task = bodyOf<TaskResponse>(await h.http().get(`/v1/tasks/${taskId}`).set(me).expect(200));
    const callTasks = await ds.query<{ status: number; campaign_id: string }[]>(
      'SELECT status, campaign_id FROM ai_visitor_call_task WHERE task_id = ?',
      [taskId],
    );
    expect(callTasks).toHaveLength(1);
    const remote = (await groundTruth(h.simulator.baseUrl, [callTasks[0].campaign_id])).campaigns[0];
    // Concurrent requests reach the server in any order, so any one of several cancels may be the one that wins;
    // a cancel is refused only once the task has finished, so exactly one of them does.
    const cancelsWon = answers.filter((res, i) => actions[i] === 'cancel' && res.status === 200).length;
    expect(cancelsWon).toBe(actions.includes('cancel') ? 1 : 0);
    if (cancelsWon === 1) {
      expect(task).toMatchObject({ status: 6, activeCampaign: null });
      expect(callTasks[0].status).toBe(3);
      expect(remote.status).toBe(3);
    } else if (task.status === 4) {
      expect(task.pauseReason).toBe('recruiter');
      expect(callTasks[0].status).toBe(2);
      expect(remote.status).toBe(2);
    } else {
      expect(task.status).toBe(3);
      expect(callTasks[0].status).toBe(1);
      expect(remote.status).toBe(1);
    }
  });

  it('left the statistics counters equal to the contacts they count', async () => {
    await expectCountersExact(h.api.get(DataSource));
  });
});
