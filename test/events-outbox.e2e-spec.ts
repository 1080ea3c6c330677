import { DataSource } from 'typeorm';
import { ListEvents } from '@app/events';
import { asAccount, Harness, startHarness } from './support/harness';
import { contacts, createTask, grantBot } from './support/factories';

const FIRM = 7601;
const me = asAccount(FIRM, 1);

/** The outbox: events written with the change they describe, in per-task order, exactly once. */
describe('events outbox', () => {
  let h: Harness;
  let ds: DataSource;

  beforeAll(async () => {
    h = await startHarness({ simulator: { callMs: 2, parallelism: 50 } });
    await grantBot(h, FIRM, { botTaskNum: 100 });
    ds = h.api.get(DataSource);
  });

  afterAll(async () => {
    await h.close();
  });

  async function eventsOf(taskId: string) {
    const page = await h.api.get(ListEvents).execute({ firmId: String(FIRM), taskId: String(taskId), limit: 1000 });
    return page.items;
  }

  it('a task run announces started, one contact.called per stored result, and completed, in sequence order', async () => {
    const taskId = await createTask(h, FIRM, 1, { contacts: contacts(6, 60_000), maxAttempts: 1 });
    await h.http().post(`/v1/tasks/${taskId}/start`).set(me).expect(200);
    for (let i = 0; i < 20; i++) {
      await new Promise((r) => setTimeout(r, 100));
      await h.sync();
      const { body } = await h.http().get(`/v1/tasks/${taskId}`).set(me).expect(200);
      if (body.status === 5) break;
    }
    const events = await eventsOf(taskId);
    const records = Number((await ds.query('SELECT COUNT(*) AS n FROM ai_visitor_call_record WHERE task_id = ?', [taskId]))[0].n);
    expect(records).toBeGreaterThanOrEqual(6); // an "inconvenient" candidate is called back once
    expect(events.filter((e) => e.type === 'contact.called')).toHaveLength(records);
    expect(events[0].type).toBe('task.started');
    expect(events[events.length - 1].type).toBe('task.completed');
    expect(events.map((e) => e.sequence)).toEqual(events.map((_, i) => i + 1));
    const interested = events.filter((e) => e.type === 'candidate.interested');
    expect(interested.length).toBe(events.filter((e) => e.type === 'contact.called' && e.data.intention === 1).length);
    for (const e of events.filter((x) => x.type === 'contact.called')) expect(String(e.data.phone)).toMatch(/\*{4}/);
    expect((events[events.length - 1].data.statistics as { total: number }).total).toBe(6);
  });

  it('a refused change writes no event (the outbox row is in its transaction)', async () => {
    const taskId = await createTask(h, FIRM, 1, { contacts: contacts(1, 61_000) });
    await h.http().post(`/v1/tasks/${taskId}/cancel`).set(me).expect(200);
    const before = await eventsOf(taskId);
    await h.http().post(`/v1/tasks/${taskId}/cancel`).set(me).expect(409);
    expect(await eventsOf(taskId)).toEqual(before);
    expect(before.map((e) => e.type)).toEqual(['task.cancelled']);
  });
});
