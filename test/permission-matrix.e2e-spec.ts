import { DataSource } from 'typeorm';
import { ADMIN_TOKEN, asAccount, asAdmin, Harness, SERVICE_TOKEN, startHarness } from './support/harness';
import { ALWAYS, contacts, createTask, grantBot } from './support/factories';
import { dbFingerprint } from './support/db-fingerprint';
import { ApiError, bodyOf, RegisteredWebhookResponse, TaskResponse, typed } from './support/api-types';

/**
 * Every route of the API (apps/api/src/**\/*.controller.ts, except the HMAC callback and the ops routes)
 * against every caller case the contract names. Each cell asserts the documented status and `code`; a refused
 * request must leave the database exactly as it was. The simulator is slow and the cron never fires, so nothing
 * changes by itself between the two fingerprints.
 */

const FIRM = 7601;
const OWNER = 1;
const COLLEAGUE = 2;
const OTHER_FIRM = 7602;
const CLOSED_FIRM = 7611;
const EXPIRED_FIRM = 7612;
const ADMIN_TARGET_FIRM = 7620;

interface Route {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** The route as the controller declares it. */
  pattern: string;
  kind: 'user' | 'admin';
  /** Under /tasks/:id, behind TaskOwnershipGuard. */
  task?: boolean;
  /** Behind BotEntitlementGuard (create, start, follow-up). */
  spendsBot?: boolean;
  /** What the owner (or operations) gets when allowed; with the body below. */
  ok: number;
  body?: () => Record<string, unknown>;
}

// Order matters only for the "still works" cells of the BOT cases: cancel comes last.
const ROUTES: Route[] = [
  {
    method: 'post',
    pattern: '/v1/tasks',
    kind: 'user',
    spendsBot: true,
    ok: 201,
    body: () => ({ name: 'm', scriptId: 's', contacts: contacts(2, 5000), callWindow: ALWAYS }),
  },
  { method: 'get', pattern: '/v1/tasks', kind: 'user', ok: 200 },
  { method: 'get', pattern: '/v1/tasks/:id', kind: 'user', task: true, ok: 200 },
  {
    method: 'post',
    pattern: '/v1/tasks/:id/contacts',
    kind: 'user',
    task: true,
    ok: 201,
    body: () => ({ contacts: contacts(2, 6000) }),
  },
  { method: 'get', pattern: '/v1/tasks/:id/contacts', kind: 'user', task: true, ok: 200 },
  { method: 'get', pattern: '/v1/tasks/:id/contacts.csv', kind: 'user', task: true, ok: 200 },
  // :contactId is the task's first contact (another task's contact is CONTACT_NOT_FOUND: call-history.e2e-spec).
  { method: 'get', pattern: '/v1/tasks/:id/contacts/:contactId/calls', kind: 'user', task: true, ok: 200 },
  { method: 'get', pattern: '/v1/tasks/:id/stats', kind: 'user', task: true, ok: 200 },
  { method: 'post', pattern: '/v1/tasks/:id/start', kind: 'user', task: true, spendsBot: true, ok: 200 },
  { method: 'post', pattern: '/v1/tasks/:id/pause', kind: 'user', task: true, ok: 200 },
  { method: 'get', pattern: '/v1/me', kind: 'user', ok: 200 },
  { method: 'get', pattern: '/v1/bot', kind: 'user', ok: 200 },
  { method: 'get', pattern: '/v1/do-not-call', kind: 'user', ok: 200 },
  {
    method: 'post',
    pattern: '/v1/do-not-call',
    kind: 'user',
    ok: 201,
    body: () => ({ phones: ['13912340001'], reason: 'opted_out' }),
  },
  {
    method: 'post',
    pattern: '/v1/do-not-call/remove',
    kind: 'user',
    ok: 200,
    body: () => ({ phones: ['13912340001'] }),
  },
  {
    method: 'patch',
    pattern: '/v1/tasks/:id',
    kind: 'user',
    task: true,
    ok: 200,
    body: () => ({ name: 'renamed', retryGapMinutes: 15 }),
  },
  {
    method: 'post',
    pattern: '/v1/tasks/:id/contacts/withdraw',
    kind: 'user',
    task: true,
    ok: 200,
    body: () => ({ phones: ['13912349999'] }),
  },
  { method: 'get', pattern: '/v1/events', kind: 'user', ok: 200 },
  { method: 'get', pattern: '/v1/webhooks', kind: 'user', ok: 200 },
  { method: 'post', pattern: '/v1/tasks/:id/cancel', kind: 'user', task: true, ok: 200 },
  // After cancel: a follow-up is made from a finished (or paused) task.
  {
    method: 'post',
    pattern: '/v1/tasks/:id/follow-up',
    kind: 'user',
    task: true,
    spendsBot: true,
    ok: 201,
    body: () => ({ filter: { callResult: [0] } }),
  },
  {
    method: 'put',
    pattern: '/v1/admin/firms/:firmId/bot',
    kind: 'admin',
    ok: 200,
    body: () => ({ isOpenBot: true, botExpireAt: new Date(Date.now() + 86_400_000).toISOString(), botTaskNum: 3 }),
  },
  { method: 'get', pattern: '/v1/admin/firms/:firmId/bot', kind: 'admin', ok: 200 },
  { method: 'get', pattern: '/v1/admin/firms/:firmId/do-not-call', kind: 'admin', ok: 200 },
  {
    method: 'post',
    pattern: '/v1/admin/firms/:firmId/do-not-call',
    kind: 'admin',
    ok: 201,
    body: () => ({ phones: ['13912340002'] }),
  },
  {
    method: 'post',
    pattern: '/v1/admin/firms/:firmId/do-not-call/remove',
    kind: 'admin',
    ok: 200,
    body: () => ({ phones: ['13912340002'] }),
  },
  {
    method: 'post',
    pattern: '/v1/admin/firms/:firmId/erasure',
    kind: 'admin',
    ok: 200,
    body: () => ({ phones: ['13912340003'] }),
  },
  { method: 'get', pattern: '/v1/admin/events', kind: 'admin', ok: 200 },
  {
    method: 'post',
    pattern: '/v1/admin/webhooks',
    kind: 'admin',
    ok: 201,
    body: () => ({ url: 'http://127.0.0.1:9/matrix', firmId: String(ADMIN_TARGET_FIRM) }),
  },
  { method: 'get', pattern: '/v1/admin/webhooks', kind: 'admin', ok: 200 },
  // The webhook routes with :id address the endpoint made in beforeAll; delete comes last.
  { method: 'get', pattern: '/v1/admin/webhooks/:id', kind: 'admin', ok: 200 },
  { method: 'patch', pattern: '/v1/admin/webhooks/:id', kind: 'admin', ok: 200, body: () => ({ enabled: true }) },
  {
    method: 'post',
    pattern: '/v1/admin/webhooks/:id/redeliver',
    kind: 'admin',
    ok: 200,
    body: () => ({ eventIds: ['evt_1'] }),
  },
  { method: 'post', pattern: '/v1/admin/webhooks/:id/rotate-secret', kind: 'admin', ok: 200 },
  { method: 'delete', pattern: '/v1/admin/webhooks/:id', kind: 'admin', ok: 204 },
];

const label = (r: Route) => `${r.method.toUpperCase()} ${r.pattern}`;

describe('permission matrix: every route × every caller case', () => {
  let h: Harness;
  /** Task ids by firm: an unstarted task of FIRM/OWNER, running tasks of the closed and expired firms. */
  const taskOf: Record<number, string> = {};
  /** The webhook endpoint the admin webhook routes with :id address. */
  let webhookId = '';
  /** The first contact of each task the matrix addresses (`:contactId`). */
  const contactOf: Record<string, string> = {};
  const rememberContact = async (taskId: string) => {
    const [{ id }] = await h.api
      .get(DataSource)
      .query<{ id: string | number }[]>('SELECT MIN(id) AS id FROM ai_visitor_list WHERE task_id = ?', [taskId]);
    contactOf[taskId] = String(id);
  };

  beforeAll(async () => {
    h = await startHarness({ simulator: { callMs: 60_000 } });
    await grantBot(h, FIRM);
    webhookId = String(
      bodyOf<RegisteredWebhookResponse>(
        await h
          .http()
          .post('/v1/admin/webhooks')
          .set(asAdmin())
          .send({ url: 'http://127.0.0.1:9/matrix-target' })
          .expect(201),
      ).id,
    );
    await grantBot(h, OTHER_FIRM);
    taskOf[FIRM] = await createTask(h, FIRM, OWNER);
    for (const firm of [CLOSED_FIRM, EXPIRED_FIRM]) {
      await grantBot(h, firm);
      taskOf[firm] = await createTask(h, firm, OWNER);
      const started = typed<TaskResponse>(
        await h.http().post(`/v1/tasks/${taskOf[firm]}/start`).set(asAccount(firm, OWNER)).expect(200),
      );
      expect(started.body.status).toBe(3);
    }
    for (const taskId of Object.values(taskOf)) await rememberContact(taskId);
    await grantBot(h, CLOSED_FIRM, { isOpenBot: false });
    await grantBot(h, EXPIRED_FIRM, { botExpireAt: new Date(Date.now() - 60_000).toISOString() });
  });

  afterAll(async () => {
    await h?.close();
  });

  function pathOf(route: Route, taskId: string, firmId: number = ADMIN_TARGET_FIRM): string {
    return route.pattern
      .replace(':id', route.kind === 'admin' ? webhookId : taskId)
      .replace(':firmId', String(firmId))
      .replace(':contactId', contactOf[taskId] ?? '1');
  }

  async function send(route: Route, path: string, headers: Record<string, string>) {
    let req = h.http()[route.method](path).set(headers);
    if (route.body) req = req.send(route.body());
    return req;
  }

  /** Sends the request and asserts the refusal: exact status, `{ code, message }`, nothing written. */
  async function expectRefused(
    route: Route,
    path: string,
    headers: Record<string, string>,
    status: number,
    code: string,
  ) {
    const before = await dbFingerprint(h);
    const res = await send(route, path, headers);
    expect({ route: label(route), status: res.status, body: bodyOf<ApiError>(res) }).toEqual({
      route: label(route),
      status,
      body: { code, message: expect.any(String) },
    });
    expect(await dbFingerprint(h)).toEqual(before);
  }

  it('the matrix lists every route the API serves (from its OpenAPI document), except the HMAC callback', async () => {
    const doc = (await h.http().get('/docs-json').expect(200)).body as {
      paths: Record<string, Record<string, unknown>>;
    };
    const served = Object.entries(doc.paths)
      .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`))
      .filter((r) => r !== 'POST /v1/callbacks/robot-call' && r.includes(' /v1/'))
      .sort();
    expect(served).toEqual(ROUTES.map(label).sort());
  });

  describe('authentication (every route)', () => {
    const userHeaders = () => asAccount(FIRM, OWNER);
    const cases: [string, (r: Route) => Record<string, string>][] = [
      [
        'no token',
        (r): Record<string, string> =>
          r.kind === 'user' ? { 'X-Firm-Id': String(FIRM), 'X-Account-Id': String(OWNER) } : {},
      ],
      [
        'a wrong token',
        (r) => ({ ...(r.kind === 'user' ? userHeaders() : {}), Authorization: 'Bearer not-the-right-token-at-all' }),
      ],
      [
        'a non-bearer scheme',
        (r) => ({
          ...(r.kind === 'user' ? userHeaders() : {}),
          Authorization: `Basic ${r.kind === 'user' ? SERVICE_TOKEN : ADMIN_TOKEN}`,
        }),
      ],
      [
        'the other side’s token (admin on a user route, service on an admin route)',
        (r) =>
          r.kind === 'user' ? { ...userHeaders(), Authorization: `Bearer ${ADMIN_TOKEN}` } : asAccount(FIRM, OWNER),
      ],
    ];
    const table = ROUTES.flatMap((route) =>
      cases.map(([name, headers]) => [label(route), name, route, headers] as const),
    );

    it.each(table)('%s with %s → 401 UNAUTHENTICATED, nothing written', async (_l, _c, route, headers) => {
      await expectRefused(route, pathOf(route, taskOf[FIRM]), headers(route), 401, 'UNAUTHENTICATED');
    });
  });

  describe('ownership (every /tasks/:id route)', () => {
    const taskRoutes = ROUTES.filter((r) => r.task);

    it('covers all twelve /tasks/:id routes', () => {
      expect(taskRoutes).toHaveLength(12);
    });

    it.each(taskRoutes.map((r) => [label(r), r] as const))(
      '%s by a colleague of the same firm → 403 NOT_TASK_OWNER',
      async (_l, route) => {
        await expectRefused(route, pathOf(route, taskOf[FIRM]), asAccount(FIRM, COLLEAGUE), 403, 'NOT_TASK_OWNER');
      },
    );

    it.each(taskRoutes.map((r) => [label(r), r] as const))(
      '%s by another firm (same account id) → 404 TASK_NOT_FOUND',
      async (_l, route) => {
        await expectRefused(route, pathOf(route, taskOf[FIRM]), asAccount(OTHER_FIRM, OWNER), 404, 'TASK_NOT_FOUND');
      },
    );

    it.each(taskRoutes.map((r) => [label(r), r] as const))(
      '%s of a task that does not exist → 404 TASK_NOT_FOUND',
      async (_l, route) => {
        await expectRefused(route, pathOf(route, '987654321'), asAccount(FIRM, OWNER), 404, 'TASK_NOT_FOUND');
      },
    );
  });

  describe.each([
    ['closed', CLOSED_FIRM, 'BOT_NOT_OPEN', 'not_open'],
    ['expired', EXPIRED_FIRM, 'BOT_EXPIRED', 'expired'],
  ] as const)('a %s BOT', (_name, firm, code, state) => {
    const userRoutes = ROUTES.filter((r) => r.kind === 'user');

    it.each(userRoutes.filter((r) => r.spendsBot).map((r) => [label(r), r] as const))(
      `%s → 403 ${code}, nothing written`,
      async (_l, route) => {
        await expectRefused(route, pathOf(route, taskOf[firm]), asAccount(firm, OWNER), 403, code);
      },
    );

    // In ROUTES order: contacts are added to the running task, it is paused, then cancelled last.
    it.each(userRoutes.filter((r) => !r.spendsBot).map((r) => [label(r), r] as const))(
      '%s still works for the owner',
      async (_l, route) => {
        const res = await send(route, pathOf(route, taskOf[firm]), asAccount(firm, OWNER));
        expect({ route: label(route), status: res.status, code: bodyOf<ApiError | undefined>(res)?.code }).toEqual({
          route: label(route),
          status: route.ok,
          code: undefined,
        });
        if (route.pattern === '/v1/bot') expect(res.body).toMatchObject({ firmId: String(firm), state });
        if (route.pattern === '/v1/me') expect(res.body).toEqual({ firmId: String(firm), accountId: String(OWNER) });
        if (route.pattern.endsWith('/pause')) expect(res.body).toMatchObject({ status: 4, pauseReason: 'recruiter' });
        if (route.pattern.endsWith('/cancel')) expect(res.body).toMatchObject({ status: 6 });
        if (route.pattern.endsWith('/contacts') && route.method === 'post')
          expect(res.body).toMatchObject({ added: 2 });
      },
    );
  });

  describe('positive controls: the right caller gets through every route', () => {
    it.each(ROUTES.filter((r) => r.kind === 'admin').map((r) => [label(r), r] as const))(
      '%s with the admin token',
      async (_l, route) => {
        const res = await send(route, pathOf(route, ''), asAdmin());
        expect({ status: res.status, code: bodyOf<ApiError | undefined>(res)?.code }).toEqual({
          status: route.ok,
          code: undefined,
        });
      },
    );

    // A fresh task of FIRM for each mutating step, in ROUTES order (create, …, start, pause, …, cancel).
    it('every user route for the owner of an open BOT', async () => {
      const taskId = await createTask(h, FIRM, OWNER, { contacts: contacts(3, 7000) });
      await rememberContact(taskId);
      for (const route of ROUTES.filter((r) => r.kind === 'user')) {
        const res = await send(route, pathOf(route, taskId), asAccount(FIRM, OWNER));
        expect({ route: label(route), status: res.status, code: bodyOf<ApiError | undefined>(res)?.code }).toEqual({
          route: label(route),
          status: route.ok,
          code: undefined,
        });
        if (route.pattern === '/v1/me') expect(res.body).toEqual({ firmId: String(FIRM), accountId: String(OWNER) });
      }
    });
  });
});
