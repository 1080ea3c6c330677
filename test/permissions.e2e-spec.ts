import { DataSource } from 'typeorm';
import { AuthorizeTaskAccess, StartTask } from '@app/task';
import { ADMIN_TOKEN, asAccount, asAdmin, Harness, SERVICE_TOKEN, startHarness } from './support/harness';
import { contacts, createTask, grantBot } from './support/factories';
import { ApiError, bodyOf, FirmBotResponse, TaskResponse, typed } from './support/api-types';
import { DbRow, DbValue } from './support/db-rows';

const FIRM = 7201;
const OTHER_FIRM = 7202;
const ACCOUNT = 8201;
const COLLEAGUE = 8202;

async function countRows(h: Harness, table: string): Promise<number> {
  const [{ n }] = await h.api.get(DataSource).query<{ n: DbValue }[]>(`SELECT COUNT(*) AS n FROM ${table}`);
  return Number(n);
}

describe('authentication, ownership, BOT entitlement and validation', () => {
  let h: Harness;
  let taskId: string;

  beforeAll(async () => {
    h = await startHarness({ simulator: { callMs: 60_000 } });
    await grantBot(h, FIRM, { botTaskNum: 100 });
    taskId = await createTask(h, FIRM, ACCOUNT);
  });

  afterAll(async () => {
    await h.close();
  });

  describe('authentication', () => {
    it.each([
      ['no token', {}],
      ['a wrong token', { Authorization: 'Bearer not-the-token-at-all' }],
      [
        'the admin token',
        { Authorization: `Bearer ${ADMIN_TOKEN}`, 'X-Firm-Id': String(FIRM), 'X-Account-Id': String(ACCOUNT) },
      ],
      ['a non-bearer scheme', { Authorization: `Basic ${SERVICE_TOKEN}` }],
    ])('user routes refuse %s with 401', async (_, headers) => {
      const res = typed<ApiError>(
        await h
          .http()
          .get('/v1/tasks')
          .set(headers as Record<string, string>)
          .expect(401),
      );
      expect(res.body).toEqual({ code: 'UNAUTHENTICATED', message: expect.any(String) });
    });

    it('admin routes refuse the service token and no token with 401', async () => {
      await h.http().get(`/v1/admin/firms/${FIRM}/bot`).set(asAccount(FIRM, ACCOUNT)).expect(401);
      await h.http().get(`/v1/admin/firms/${FIRM}/bot`).expect(401);
      await h.http().put(`/v1/admin/firms/${FIRM}/bot`).set(asAccount(FIRM, ACCOUNT)).send({}).expect(401);
    });

    it('missing or malformed caller headers are a 400', async () => {
      const res = typed<ApiError>(
        await h
          .http()
          .get('/v1/tasks')
          .set({ Authorization: `Bearer ${SERVICE_TOKEN}`, 'X-Firm-Id': 'abc' })
          .expect(400),
      );
      expect(res.body.code).toBe('CALLER_HEADERS_INVALID');
    });
  });

  describe('ownership', () => {
    it.each(['', '/stats', '/contacts'])('GET /tasks/:id%s of a colleague is 403 NOT_TASK_OWNER', async (suffix) => {
      const res = typed<ApiError>(
        await h.http().get(`/v1/tasks/${taskId}${suffix}`).set(asAccount(FIRM, COLLEAGUE)).expect(403),
      );
      expect(res.body.code).toBe('NOT_TASK_OWNER');
    });

    it.each(['start', 'pause', 'cancel'])(
      'POST /tasks/:id/%s of a colleague is 403 and changes nothing',
      async (action) => {
        const res = typed<ApiError>(
          await h.http().post(`/v1/tasks/${taskId}/${action}`).set(asAccount(FIRM, COLLEAGUE)).expect(403),
        );
        expect(res.body.code).toBe('NOT_TASK_OWNER');
        expect(
          bodyOf<TaskResponse>(await h.http().get(`/v1/tasks/${taskId}`).set(asAccount(FIRM, ACCOUNT))).status,
        ).toBe(1);
      },
    );

    it('a task of another firm is 404 TASK_NOT_FOUND (its existence is not revealed)', async () => {
      const res = typed<ApiError>(
        await h.http().get(`/v1/tasks/${taskId}`).set(asAccount(OTHER_FIRM, ACCOUNT)).expect(404),
      );
      expect(res.body.code).toBe('TASK_NOT_FOUND');
    });

    it('an unknown or malformed task id', async () => {
      expect(
        bodyOf<ApiError>(await h.http().get('/v1/tasks/999999999').set(asAccount(FIRM, ACCOUNT)).expect(404)).code,
      ).toBe('TASK_NOT_FOUND');
      expect(
        bodyOf<ApiError>(await h.http().get('/v1/tasks/12abc').set(asAccount(FIRM, ACCOUNT)).expect(400)).code,
      ).toBe('VALIDATION_FAILED');
    });

    it('adding contacts to a colleague’s task is refused and writes nothing', async () => {
      const before = await countRows(h, 'ai_visitor_list');
      await h
        .http()
        .post(`/v1/tasks/${taskId}/contacts`)
        .set(asAccount(FIRM, COLLEAGUE))
        .send({ contacts: contacts(2, 900) })
        .expect(403);
      expect(await countRows(h, 'ai_visitor_list')).toBe(before);
    });
  });

  describe('BOT entitlement', () => {
    it('a firm never granted gets BOT_NOT_OPEN on create', async () => {
      const res = typed<ApiError>(
        await h
          .http()
          .post('/v1/tasks')
          .set(asAccount(7299, 1))
          .send({ name: 'x', scriptId: 's', contacts: [] })
          .expect(403),
      );
      expect(res.body.code).toBe('BOT_NOT_OPEN');
    });

    it('a closed BOT refuses create and start with BOT_NOT_OPEN; reopening allows them again', async () => {
      const firm = 7210;
      await grantBot(h, firm);
      const id = await createTask(h, firm, 1);
      await grantBot(h, firm, { isOpenBot: false });
      expect(
        bodyOf<ApiError>(
          await h.http().post('/v1/tasks').set(asAccount(firm, 1)).send({ name: 'x', scriptId: 's' }).expect(403),
        ).code,
      ).toBe('BOT_NOT_OPEN');
      expect(
        bodyOf<ApiError>(await h.http().post(`/v1/tasks/${id}/start`).set(asAccount(firm, 1)).expect(403)).code,
      ).toBe('BOT_NOT_OPEN');
      await grantBot(h, firm);
      await h.http().post(`/v1/tasks/${id}/start`).set(asAccount(firm, 1)).expect(200);
    });

    it('the start use case itself refuses a closed BOT, for a caller outside HTTP (a scheduled start)', async () => {
      const firm = 7219;
      await grantBot(h, firm);
      const id = await createTask(h, firm, 1);
      await grantBot(h, firm, { isOpenBot: false });
      const access = await h.api
        .get(AuthorizeTaskAccess)
        .execute({ caller: { firmId: String(firm), accountId: '1' }, taskId: id });
      await expect(h.api.get(StartTask).execute({ access })).rejects.toMatchObject({ code: 'BOT_NOT_OPEN' });
      const [row] = await h.api.get(DataSource).query<DbRow[]>('SELECT status FROM ai_visitor_task WHERE id = ?', [id]);
      expect(Number(row.status)).toBe(1);
    });

    it('an expired BOT refuses create and start with BOT_EXPIRED', async () => {
      const firm = 7211;
      await grantBot(h, firm);
      const id = await createTask(h, firm, 1);
      await grantBot(h, firm, { botExpireAt: new Date(Date.now() - 1000).toISOString() });
      expect(
        bodyOf<ApiError>(
          await h.http().post('/v1/tasks').set(asAccount(firm, 1)).send({ name: 'x', scriptId: 's' }).expect(403),
        ).code,
      ).toBe('BOT_EXPIRED');
      expect(
        bodyOf<ApiError>(await h.http().post(`/v1/tasks/${id}/start`).set(asAccount(firm, 1)).expect(403)).code,
      ).toBe('BOT_EXPIRED');
    });

    it('concurrent creations at the quota edge never exceed bot_task_num', async () => {
      const firm = 7212;
      await grantBot(h, firm, { botTaskNum: 5 });
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          h
            .http()
            .post('/v1/tasks')
            .set(asAccount(firm, 1))
            .send({ name: `t${i}`, scriptId: 's', contacts: contacts(2, i * 10) }),
        ),
      );
      const codes = results.map((r) => r.status);
      expect(codes.filter((c) => c === 201)).toHaveLength(5);
      expect(
        results.filter((r) => r.status === 403).every((r) => bodyOf<ApiError>(r).code === 'BOT_TASK_QUOTA_EXCEEDED'),
      ).toBe(true);
      const bot = bodyOf<FirmBotResponse>(await h.http().get('/v1/bot').set(asAccount(firm, 1)).expect(200));
      expect(bot).toMatchObject({
        firmId: String(firm),
        botTaskNum: 5,
        botTaskUsed: 5,
        botTaskRemaining: 0,
        state: 'open',
      });
      const [{ n }] = await h.api
        .get(DataSource)
        .query<{ n: DbValue }[]>('SELECT COUNT(*) AS n FROM ai_visitor_task WHERE firm_id = ?', [firm]);
      expect(Number(n)).toBe(5);
    });

    it('cancelling a task that never started gives its slot back; a started one does not', async () => {
      const firm = 7213;
      await grantBot(h, firm, { botTaskNum: 2 });
      const a = await createTask(h, firm, 1);
      const b = await createTask(h, firm, 1);
      await h.http().post('/v1/tasks').set(asAccount(firm, 1)).send({ name: 'c', scriptId: 's' }).expect(403);
      await h.http().post(`/v1/tasks/${a}/cancel`).set(asAccount(firm, 1)).expect(200);
      const c = await createTask(h, firm, 1);
      await h.http().post(`/v1/tasks/${c}/start`).set(asAccount(firm, 1)).expect(200);
      await h.http().post(`/v1/tasks/${c}/cancel`).set(asAccount(firm, 1)).expect(200);
      const bot = bodyOf<FirmBotResponse>(await h.http().get(`/v1/admin/firms/${firm}/bot`).set(asAdmin()).expect(200));
      expect(bot).toMatchObject({ botTaskUsed: 2, botTaskRemaining: 0 });
      // A new grant changes the quota, never the usage.
      await grantBot(h, firm, { botTaskNum: 3 });
      const regranted = bodyOf<FirmBotResponse>(
        await h.http().get(`/v1/admin/firms/${firm}/bot`).set(asAdmin()).expect(200),
      );
      expect(regranted).toMatchObject({ botTaskNum: 3, botTaskUsed: 2, botTaskRemaining: 1 });
      expect(b).toBeDefined();
    });

    it('operations read a firm back with usage; an unknown firm reads as not open', async () => {
      const res = await h.http().get('/v1/admin/firms/7298/bot').set(asAdmin()).expect(200);
      expect(res.body).toEqual({
        firmId: '7298',
        isOpenBot: false,
        botExpireAt: null,
        botTaskNum: 0,
        botTaskUsed: 0,
        botTaskRemaining: 0,
        state: 'not_open',
      });
    });
  });

  describe('validation: 400 with a stable code, nothing written', () => {
    it.each([
      ['no name', { scriptId: 's' }],
      ['an empty name', { name: '', scriptId: 's' }],
      ['a bad scriptId', { name: 'n', scriptId: 'has spaces' }],
      ['contacts not an array', { name: 'n', scriptId: 's', contacts: 'x' }],
      ['a contact without phone', { name: 'n', scriptId: 's', contacts: [{ name: 'a' }] }],
      ['maxAttempts 0', { name: 'n', scriptId: 's', maxAttempts: 0 }],
      ['batchSize above the maximum', { name: 'n', scriptId: 's', batchSize: 5000 }],
      ['an unknown field', { name: 'n', scriptId: 's', firmId: 1 }],
    ])('create with %s', async (_, body) => {
      const before = await countRows(h, 'ai_visitor_task');
      const res = typed<ApiError>(
        await h.http().post('/v1/tasks').set(asAccount(FIRM, ACCOUNT)).send(body).expect(400),
      );
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(await countRows(h, 'ai_visitor_task')).toBe(before);
    });

    it('more than 10,000 contacts in one request', async () => {
      const res = typed<ApiError>(
        await h
          .http()
          .post(`/v1/tasks/${taskId}/contacts`)
          .set(asAccount(FIRM, ACCOUNT))
          .send({ contacts: Array.from({ length: 10_001 }, () => ({ phone: '13800138000' })) })
          .expect(400),
      );
      expect(res.body.code).toBe('VALIDATION_FAILED');
    });

    it('malformed JSON', async () => {
      const res = typed<ApiError>(
        await h
          .http()
          .post('/v1/tasks')
          .set(asAccount(FIRM, ACCOUNT))
          .set('Content-Type', 'application/json')
          .send('{"name":')
          .expect(400),
      );
      expect(res.body.code).toBe('MALFORMED_REQUEST');
    });

    it('a body over the size limit is 413 PAYLOAD_TOO_LARGE', async () => {
      const res = typed<ApiError>(
        await h
          .http()
          .post('/v1/tasks')
          .set(asAccount(FIRM, ACCOUNT))
          .send({ name: 'x'.repeat(5 * 1024 * 1024), scriptId: 's' })
          .expect(413),
      );
      expect(res.body.code).toBe('PAYLOAD_TOO_LARGE');
    });

    it('a bad BOT grant', async () => {
      for (const body of [
        { isOpenBot: 'yes', botExpireAt: null, botTaskNum: 1 },
        { isOpenBot: true, botExpireAt: 'tomorrow', botTaskNum: 1 },
        { isOpenBot: true, botExpireAt: null, botTaskNum: -1 },
      ]) {
        const res = typed<ApiError>(
          await h.http().put(`/v1/admin/firms/${FIRM}/bot`).set(asAdmin()).send(body).expect(400),
        );
        expect(res.body.code).toBe('VALIDATION_FAILED');
      }
      expect(bodyOf<FirmBotResponse>(await h.http().get(`/v1/bot`).set(asAccount(FIRM, ACCOUNT))).botTaskNum).toBe(100);
    });
  });
});
