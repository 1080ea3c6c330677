import { EventOutbox, NewEvent } from '@app/events';
import { TransactionRunner } from '@app/database';
import { asAccount, asAdmin, Harness, startHarness } from './support/harness';
import { ApiError, bodyOf, EventPageResponse, EventResponse, typed } from './support/api-types';

const FIRM_A = 7701;
const FIRM_B = 7702;
const WRITERS_FIRM = 7703;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The events feed over HTTP: keyset paging without gaps or repeats under concurrent writes, firm isolation, filters. */
describe('events feed', () => {
  let h: Harness;
  let outbox: EventOutbox;
  let tx: TransactionRunner;

  beforeAll(async () => {
    h = await startHarness();
    outbox = h.api.get(EventOutbox);
    tx = h.api.get(TransactionRunner);
  });

  afterAll(async () => {
    await h.close();
  });

  const event = (
    firmId: number | null,
    type: NewEvent['type'],
    data: Record<string, unknown>,
    taskId?: number,
  ): NewEvent => ({
    type,
    firmId: firmId === null ? null : String(firmId),
    taskId: taskId === undefined ? null : String(taskId),
    data,
  });

  const write = (...events: NewEvent[]) => tx.run((manager) => outbox.append(manager, events));

  /** Reads a feed to its end from `after`, page by page. */
  async function drain(
    path: string,
    headers: Record<string, string>,
    after?: string,
    limit = 7,
  ): Promise<{ items: EventResponse[]; cursor: string | null }> {
    const items: EventResponse[] = [];
    let cursor = after ?? null;
    for (;;) {
      const query = new URLSearchParams({ limit: String(limit), ...(cursor ? { after: cursor } : {}) });
      const { body } = typed<EventPageResponse>(
        await h
          .http()
          .get(`${path}${path.includes('?') ? '&' : '?'}${query.toString()}`)
          .set(headers)
          .expect(200),
      );
      items.push(...body.items);
      cursor = body.nextCursor;
      if (!body.hasMore) return { items, cursor };
    }
  }

  it('pages every event exactly once, in position order, while transactions commit out of order', async () => {
    const me = asAccount(WRITERS_FIRM, 1);
    let writing = true;
    // One transaction writes first and commits last: its events get positions after the ones committed meanwhile.
    const late = tx.run(async (manager) => {
      await outbox.append(
        manager,
        [0, 1, 2].map((i) => event(WRITERS_FIRM, 'task.started', { n: `late-${i}` }, 1)),
      );
      await sleep(600);
    });
    const writers = Promise.all(
      Array.from({ length: 24 }, async (_, i) => {
        await sleep(i * 15);
        await write(
          event(WRITERS_FIRM, 'contact.called', { n: `w-${i}-a` }, 2 + (i % 3)),
          event(WRITERS_FIRM, 'contact.called', { n: `w-${i}-b` }, 2 + (i % 3)),
        );
      }),
    );
    const done = Promise.all([late, writers]).finally(() => (writing = false));

    const seen: EventResponse[] = [];
    let cursor: string | undefined;
    while (writing) {
      const page = await drain('/v1/events', me, cursor, 5);
      seen.push(...page.items);
      cursor = page.cursor ?? undefined;
      await sleep(20);
    }
    await done;
    seen.push(...(await drain('/v1/events', me, cursor, 5)).items);

    expect(seen).toHaveLength(3 + 24 * 2);
    expect(new Set(seen.map((e) => e.id)).size).toBe(seen.length);
    expect(new Set(seen.map((e) => e.data.n)).size).toBe(seen.length);
    const positions = seen.map((e) => BigInt(e.position));
    for (let i = 1; i < positions.length; i++) expect(positions[i] > positions[i - 1]).toBe(true);
    if (h.db.kind === 'mysql') {
      // The late transaction's rows were inserted first (lower ids) yet are positioned after events committed meanwhile.
      const firstLate = seen.findIndex((e) => String(e.data.n).startsWith('late-'));
      expect(firstLate).toBeGreaterThan(0);
    }
    // Read again from the start, in one go: the same events in the same order.
    const again = await drain('/v1/events', me, undefined, 1000);
    expect(again.items.map((e) => e.id)).toEqual(seen.map((e) => e.id));
  });

  describe('firm isolation and filters', () => {
    let start: string | undefined;

    beforeAll(async () => {
      start = (await drain('/v1/admin/events', asAdmin(), undefined, 1000)).cursor ?? undefined;
      await write(
        event(FIRM_A, 'task.started', { who: 'a1' }, 501),
        event(FIRM_A, 'contact.called', { who: 'a2' }, 501),
        event(FIRM_A, 'candidate.interested', { who: 'a3' }, 501),
        event(FIRM_A, 'task.started', { who: 'a4' }, 502),
        event(FIRM_B, 'task.started', { who: 'b1' }, 601),
        event(FIRM_B, 'contact.called', { who: 'b2' }, 601),
        event(FIRM_B, 'firm.bot_expiring', { who: 'b3' }),
        event(null, 'webhook.disabled', { who: 'ops' }),
      );
    });

    const who = (items: EventResponse[]) => items.map((e) => e.data.who);

    it("shows a firm its own events only, and another firm's task id yields nothing", async () => {
      expect(who((await drain('/v1/events', asAccount(FIRM_A, 1))).items)).toEqual(['a1', 'a2', 'a3', 'a4']);
      expect(who((await drain('/v1/events', asAccount(FIRM_B, 9))).items)).toEqual(['b1', 'b2', 'b3']);
      expect((await drain('/v1/events?taskId=601', asAccount(FIRM_A, 1))).items).toEqual([]);
      expect(who((await drain('/v1/events?taskId=601', asAccount(FIRM_B, 1))).items)).toEqual(['b1', 'b2']);
    });

    it('filters by type and task, and pages with limit', async () => {
      const me = asAccount(FIRM_A, 1);
      expect(who((await drain('/v1/events?types=contact.called,candidate.interested', me)).items)).toEqual([
        'a2',
        'a3',
      ]);
      expect(who((await drain('/v1/events?types=task.started&types=candidate.interested', me)).items)).toEqual([
        'a1',
        'a3',
        'a4',
      ]);
      expect(who((await drain('/v1/events?taskId=502', me)).items)).toEqual(['a4']);
      const first = bodyOf<EventPageResponse>(await h.http().get('/v1/events?limit=2').set(me).expect(200));
      expect(who(first.items)).toEqual(['a1', 'a2']);
      expect(first).toMatchObject({ hasMore: true, nextCursor: first.items[1].position });
      const rest = bodyOf<EventPageResponse>(
        await h.http().get(`/v1/events?limit=2&after=${first.nextCursor}`).set(me).expect(200),
      );
      expect(who(rest.items)).toEqual(['a3', 'a4']);
      expect(rest.hasMore).toBe(false);
      const empty = bodyOf<EventPageResponse>(
        await h.http().get(`/v1/events?after=${rest.nextCursor}`).set(me).expect(200),
      );
      expect(empty).toEqual({ items: [], nextCursor: rest.nextCursor, hasMore: false });
    });

    it('gives the envelope of each event', async () => {
      const [a1] = bodyOf<EventPageResponse>(
        await h.http().get('/v1/events?limit=1').set(asAccount(FIRM_A, 1)).expect(200),
      ).items;
      expect(a1).toEqual({
        id: expect.stringMatching(/^evt_\d+$/),
        type: 'task.started',
        createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        firmId: String(FIRM_A),
        taskId: '501',
        sequence: null,
        position: expect.stringMatching(/^\d+$/),
        data: { who: 'a1' },
      });
    });

    it('shows operations every firm (and all-firms events), or one firm', async () => {
      expect(who((await drain('/v1/admin/events', asAdmin(), start)).items)).toEqual([
        'a1',
        'a2',
        'a3',
        'a4',
        'b1',
        'b2',
        'b3',
        'ops',
      ]);
      expect(who((await drain(`/v1/admin/events?firmId=${FIRM_B}`, asAdmin(), start)).items)).toEqual([
        'b1',
        'b2',
        'b3',
      ]);
      expect(
        who((await drain('/v1/admin/events?types=webhook.disabled,firm.bot_expiring', asAdmin(), start)).items),
      ).toEqual(['b3', 'ops']);
    });

    it.each([
      ['limit=0', 'limit'],
      ['limit=1001', 'limit'],
      ['limit=ten', 'limit'],
      ['after=-1', 'after'],
      ['after=1e3', 'after'],
      ['types=contact.called,task.exploded', 'types'],
      ['types=', 'types'],
      ['taskId=0', 'taskId'],
      ['firm=1', 'firm'],
    ])('refuses %s with VALIDATION_FAILED naming %s', async (query, field) => {
      const { body } = typed<ApiError>(await h.http().get(`/v1/events?${query}`).set(asAccount(FIRM_A, 1)).expect(400));
      expect(body.code).toBe('VALIDATION_FAILED');
      expect(body.details!.map((d: { field: string }) => d.field)).toContain(field);
    });

    it('refuses a bad firmId to operations, and each route the other token', async () => {
      expect(bodyOf<ApiError>(await h.http().get('/v1/admin/events?firmId=abc').set(asAdmin()).expect(400)).code).toBe(
        'VALIDATION_FAILED',
      );
      expect(bodyOf<ApiError>(await h.http().get('/v1/admin/events').set(asAccount(FIRM_A, 1)).expect(401)).code).toBe(
        'UNAUTHENTICATED',
      );
      expect(bodyOf<ApiError>(await h.http().get('/v1/events').set(asAdmin()).expect(401)).code).toBe(
        'UNAUTHENTICATED',
      );
      expect(
        bodyOf<ApiError>(
          await h
            .http()
            .get('/v1/events')
            .set({ Authorization: asAccount(1, 1).Authorization })
            .expect(400),
        ).code,
      ).toBe('CALLER_HEADERS_INVALID');
    });
  });
});
