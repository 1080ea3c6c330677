import { DataSource } from 'typeorm';
import { EventSequencer, ListEvents } from '@app/events';
import { asAccount, Harness, startHarness } from './support/harness';
import { contacts, createTask, grantBot } from './support/factories';
import { spawnWorker } from './support/worker-child';
import { TaskResponse, typed } from './support/api-types';
import { DbRow } from './support/db-rows';

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

  async function eventsOf(taskId: string | number) {
    const page = await h.api.get(ListEvents).execute({ firmId: String(FIRM), taskId: String(taskId), limit: 1000 });
    return page.items;
  }

  it('a task run announces started, one contact.called per stored result, and completed, in sequence order', async () => {
    const taskId = await createTask(h, FIRM, 1, { contacts: contacts(6, 60_000), maxAttempts: 1 });
    await h.http().post(`/v1/tasks/${taskId}/start`).set(me).expect(200);
    for (let i = 0; i < 20; i++) {
      await new Promise((r) => setTimeout(r, 100));
      await h.sync();
      const { body } = typed<TaskResponse>(await h.http().get(`/v1/tasks/${taskId}`).set(me).expect(200));
      if (body.status === 5) break;
    }
    const events = await eventsOf(taskId);
    const records = Number(
      (await ds.query<DbRow[]>('SELECT COUNT(*) AS n FROM ai_visitor_call_record WHERE task_id = ?', [taskId]))[0].n,
    );
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

  /** Runs the task until it completes, without sequencing its events (the sync alone, as a worker without relay). */
  async function runToCompletion(taskId: string | number): Promise<void> {
    await h.http().post(`/v1/tasks/${taskId}/start`).set(me).expect(200);
    for (let i = 0; i < 30; i++) {
      await new Promise((r) => setTimeout(r, 100));
      await h.sync();
      const { body } = typed<TaskResponse>(await h.http().get(`/v1/tasks/${taskId}`).set(me).expect(200));
      if (body.status === 5) return;
    }
    throw new Error(`task ${taskId} did not complete`);
  }

  const rowsOf = async (
    taskId: string | number,
  ): Promise<{ id: string; type: string; position: string | null; sequence: number | null; data: string }[]> =>
    ds.query('SELECT id, type, position, sequence, data FROM ai_visitor_event WHERE task_id = ? ORDER BY id', [taskId]);

  it("a page's results are one compact batch row, rendered into their events exactly once by the sequencer", async () => {
    const taskId = await createTask(h, FIRM, 1, { contacts: contacts(8, 62_000), maxAttempts: 1 });
    await runToCompletion(taskId);
    const pending = (await rowsOf(taskId)).filter((r) => r.position === null);
    const batches = pending.filter((r) => r.type === 'batch:records');
    expect(batches.length).toBeGreaterThan(0);
    expect(pending.filter((r) => r.type === 'contact.called')).toHaveLength(0);
    // Per result only its record id, attempt, sequence (and conversation when given): no name, no phone.
    for (const b of batches) {
      for (const entry of JSON.parse(b.data) as unknown[][]) {
        expect(entry.slice(0, 3)).toEqual([expect.any(String), expect.any(Number), expect.any(Number)]);
      }
      expect(b.data).not.toMatch(/\*{4}|\+86|name/);
    }

    await h.api.get(EventSequencer).sequenceAll();
    await h.api.get(EventSequencer).sequenceAll();
    const rows = await rowsOf(taskId);
    expect(rows.filter((r) => r.type.startsWith('batch:'))).toHaveLength(0);
    expect(rows.every((r) => r.position !== null)).toBe(true);
    // Sequences gapless, positions in sequence order within the task.
    const bySequence = [...rows].sort((a, b) => Number(a.sequence) - Number(b.sequence));
    expect(bySequence.map((r) => Number(r.sequence))).toEqual(rows.map((_, i) => i + 1));
    expect(bySequence.map((r) => Number(r.position))).toEqual(
      bySequence.map((r) => Number(r.position)).sort((a, b) => a - b),
    );

    // Each stored result: one contact.called carrying the stored call and its contact, and candidate.interested beside an interested one.
    // (in call order: an "inconvenient" candidate's callback is its attempt 2)
    const stored = await ds.query<
      {
        record_id: string;
        contact_id: string | number;
        intension_result: number;
        call_result: number;
        duration_sec: number;
        name: string;
        candidate_ref: string;
      }[]
    >(
      `SELECT r.record_id, r.contact_id, r.intension_result, r.call_result, r.duration_sec, c.name, c.candidate_ref
           FROM ai_visitor_call_record r JOIN ai_visitor_list c ON c.id = r.contact_id WHERE r.task_id = ? ORDER BY r.called_at, r.id`,
      [taskId],
    );
    const events = await eventsOf(taskId);
    const called = events.filter((e) => e.type === 'contact.called');
    expect(called.map((e) => e.data.recordId).sort()).toEqual(stored.map((r) => r.record_id).sort());
    const attempts = new Map<string, number>();
    for (const record of stored) {
      const attempt = (attempts.get(String(record.contact_id)) ?? 0) + 1;
      attempts.set(String(record.contact_id), attempt);
      const event = called.find((e) => e.data.recordId === record.record_id)!;
      expect(event.data).toMatchObject({
        taskId: String(taskId),
        contactId: String(record.contact_id),
        name: record.name,
        candidateRef: record.candidate_ref,
        callResult: Number(record.call_result),
        intention: Number(record.intension_result),
        durationSec: Number(record.duration_sec),
        attempt,
      });
      expect(String(event.data.phone)).toMatch(/^\+86\d{3}\*{4}\d{4}$/);
      const interested = events.filter(
        (e) => e.type === 'candidate.interested' && e.data.recordId === record.record_id,
      );
      expect(interested).toHaveLength(Number(record.intension_result) === 1 ? 1 : 0);
      if (interested.length) expect(interested[0].sequence).toBe(event.sequence! + 1);
    }
  });

  it('a sequencer killed (SIGKILL) while rendering a batch leaves it whole: another renders it, exactly once', async () => {
    const taskId = await createTask(h, FIRM, 1, { contacts: contacts(5, 63_000), maxAttempts: 1 });
    await runToCompletion(taskId);
    const before = await rowsOf(taskId);
    expect(before.some((r) => r.type === 'batch:records')).toBe(true);

    const worker = spawnWorker({
      AIV_WORKER_JOB: 'relay',
      AIV_FAILPOINT: 'sequence.after-render',
      AIV_WORKER_MAX_MS: '30000',
    });
    await worker.ready;
    worker.go();
    const death = await worker.exited;
    expect({ signal: death.signal, code: death.code }).toEqual({ signal: 'SIGKILL', code: null });
    // Its transaction died with it: the same rows, none positioned, no event rendered.
    expect(await rowsOf(taskId)).toEqual(before);

    await h.api.get(EventSequencer).sequenceAll();
    const records = Number(
      (await ds.query<DbRow[]>('SELECT COUNT(*) AS n FROM ai_visitor_call_record WHERE task_id = ?', [taskId]))[0].n,
    );
    const rows = await rowsOf(taskId);
    expect(rows.filter((r) => r.type.startsWith('batch:'))).toHaveLength(0);
    expect(rows.filter((r) => r.type === 'contact.called')).toHaveLength(records);
    expect(new Set(rows.map((r) => Number(r.sequence))).size).toBe(rows.length);
  }, 60_000);
});
