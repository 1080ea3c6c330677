import { createServer } from 'http';
import { asAccount, Harness, startHarness } from './support/harness';
import { createTask, grantBot } from './support/factories';
import { checkedClient, ContractValidator } from './support/contract';
import { ID_PATTERN } from '../apps/api/src/http/invalid-id.error';
import { ApiError, bodyOf, TaskResponse } from './support/api-types';

/**
 * The contract check itself (test/support/contract.ts): every response of the e2e suites goes through it, so it
 * must fail on what the document does not say. Each case injects one mismatch into a real response (or serves a
 * route the document lacks) and expects the check to refuse it; the unchanged response passes.
 */

const FIRM = 7801;
const OWNER = 1;
const json = { 'content-type': 'application/json; charset=utf-8' };

describe('the OpenAPI contract check fails on every kind of mismatch', () => {
  let h: Harness;
  let taskId: string;
  let document: ConstructorParameters<typeof ContractValidator>[0];
  let task: Record<string, unknown>;

  beforeAll(async () => {
    h = await startHarness();
    await grantBot(h, FIRM);
    taskId = await createTask(h, FIRM, OWNER);
    task = bodyOf<TaskResponse>(await h.http().get(`/v1/tasks/${taskId}`).set(asAccount(FIRM, OWNER)).expect(200));
    document = bodyOf<typeof document>(await h.http().get('/docs-json').expect(200));
  });

  afterAll(async () => {
    await h?.close();
  });

  const problems = (
    method: string,
    url: string,
    status: number,
    body: unknown,
    headers: Record<string, string> = json,
  ) =>
    new ContractValidator(document).problems(method, url, {
      status,
      headers,
      body,
      text: typeof body === 'string' ? body : undefined,
    });

  it('passes the task as the service answers it, activeCampaign null and all', () => {
    expect(task.activeCampaign).toBeNull();
    expect(task.pauseReason).toBeNull();
    expect(problems('GET', `/v1/tasks/${taskId}`, 200, task)).toEqual([]);
  });

  it.each([
    [
      'a field the document does not declare',
      (t: Record<string, unknown>) => ({ ...t, secret: 'x' }),
      /must NOT have additional properties/,
    ],
    [
      'a declared field missing',
      ({ name: _name, ...t }: Record<string, unknown>) => t,
      /must have required property 'name'/,
    ],
    ['a field of the wrong type', (t: Record<string, unknown>) => ({ ...t, id: 42 }), /\/id must be string/],
    [
      'a value outside its enum',
      (t: Record<string, unknown>) => ({ ...t, status: 9 }),
      /\/status must be equal to one of the allowed values/,
    ],
    [
      'a date-time that is not one',
      (t: Record<string, unknown>) => ({ ...t, createdAt: 'yesterday' }),
      /\/createdAt must match format "date-time"/,
    ],
    [
      'a nested object not as declared',
      (t: Record<string, unknown>) => ({ ...t, activeCampaign: { callTaskId: 7 } }),
      /activeCampaign/,
    ],
  ])('fails on %s', (_what, change, message) => {
    expect(problems('GET', `/v1/tasks/${taskId}`, 200, change(task)).join('\n')).toMatch(message);
  });

  it('fails on a status the route does not document, and on a content type it does not', () => {
    expect(problems('GET', `/v1/tasks/${taskId}`, 418, task).join('\n')).toMatch(/the status is not documented/);
    expect(problems('GET', `/v1/tasks/${taskId}`, 200, 'id,name', { 'content-type': 'text/csv' }).join('\n')).toMatch(
      /content type text\/csv is not documented/,
    );
    expect(problems('GET', `/v1/tasks/${taskId}/contacts.csv`, 200, task).join('\n')).toMatch(
      /content type application\/json is not documented/,
    );
  });

  it('fails on an error code the route does not list, and passes one it lists', () => {
    expect(problems('GET', `/v1/tasks/${taskId}`, 404, { code: 'TASK_NOT_FOUND', message: 'x' })).toEqual([]);
    expect(problems('GET', `/v1/tasks/${taskId}`, 404, { code: 'WEBHOOK_NOT_FOUND', message: 'x' }).join('\n')).toMatch(
      /code must be equal to one of/,
    );
  });

  it("fails on details not of the code's one documented shape", () => {
    const route = ['POST', '/v1/tasks'] as const;
    const refused = (details: unknown) => problems(...route, 400, { code: 'VALIDATION_FAILED', message: 'x', details });
    expect(refused([{ field: 'name', errors: ['name should not be empty'] }])).toEqual([]);
    for (const old of [
      { field: 'callWindow' },
      [{ field: 'id', value: 'x' }],
      [{ index: 1, phone: '*****', reason: 'invalid' }],
    ]) {
      expect(refused(old).join('\n')).toMatch(/details/);
    }
    expect(
      problems('GET', `/v1/tasks/${taskId}`, 404, { code: 'TASK_NOT_FOUND', message: 'x', details: {} }).join('\n'),
    ).toMatch(/details/);
  });

  it('fails on a route the document does not have, except the 404 ROUTE_NOT_FOUND it promises for unknown paths', () => {
    expect(problems('GET', '/v1/nowhere', 404, { code: 'ROUTE_NOT_FOUND', message: 'Cannot GET /v1/nowhere' })).toEqual(
      [],
    );
    expect(problems('GET', '/v1/nowhere', 200, {}).join('\n')).toMatch(/no operation of the document answers it/);
    expect(problems('DELETE', `/v1/tasks/${taskId}`, 200, task).join('\n')).toMatch(
      /no operation of the document answers it/,
    );
  });

  it("fails the request itself, through the suites' supertest client, and counts it", async () => {
    // A server answering a documented route with an undocumented body, behind the client the harness hands out.
    const server = createServer((req, res) => {
      res.writeHead(req.url === '/v1/me' ? 200 : 204, { 'content-type': 'application/json' });
      res.end(req.url === '/v1/me' ? JSON.stringify({ firmId: '1', accountId: '2', admin: true }) : undefined);
    });
    const contract = new ContractValidator(document);
    const violations: Error[] = [];
    const http = checkedClient(server, () => contract, violations);

    await expect(http().get('/v1/me')).rejects.toThrow(/must NOT have additional properties/);
    await expect(http().get('/v1/me').expect(200)).rejects.toThrow(
      /ContractViolation|must NOT have additional properties/,
    );
    await expect(http().post('/v1/me')).rejects.toThrow(/no operation of the document answers it/);
    expect(contract.checked).toBe(3);
    // Kept for the suite's close too, where a test that swallowed the request's error would still fail.
    expect(violations).toHaveLength(3);
  });

  it('VALIDATION_FAILED details have one shape, [{ field, errors[] }], whatever refused the request', async () => {
    const me = asAccount(FIRM, OWNER);
    /** The body as this test reads it: each detail an object whose keys it checks. */
    type Refusal = { code: string; details?: Record<string, unknown>[] };
    const refusals = {
      body: await h.http().post('/v1/tasks').set(me).send({ name: '', scriptId: 's' }),
      pathId: await h.http().get('/v1/tasks/0').set(me),
      taskSetting: await h.http().post('/v1/tasks').set(me).send({ name: 'n', scriptId: 's', batchSize: 1_000_000 }),
      callWindow: await h
        .http()
        .post('/v1/tasks')
        .set(me)
        .send({ name: 'n', scriptId: 's', callWindow: { start: '10:00', end: '09:00' } }),
      doNotCallNumber: await h
        .http()
        .post('/v1/do-not-call')
        .set(me)
        .send({ phones: ['13800138000', '12345'] }),
    };
    const shapes = Object.fromEntries(
      Object.entries(refusals).map(([source, res]) => [
        source,
        {
          status: res.status,
          code: bodyOf<Refusal>(res).code,
          details: Array.isArray(bodyOf<Refusal>(res).details)
            ? bodyOf<Refusal>(res).details!.map((d: Record<string, unknown>) => ({
                keys: Object.keys(d).sort(),
                field: typeof d.field,
                errors: Array.isArray(d.errors) && d.errors.every((e) => typeof e === 'string'),
              }))
            : bodyOf<Refusal>(res).details,
        },
      ]),
    );
    const one = {
      status: 400,
      code: 'VALIDATION_FAILED',
      details: [{ keys: ['errors', 'field'], field: 'string', errors: true }],
    };
    expect(shapes).toEqual({ body: one, pathId: one, taskSetting: one, callWindow: one, doNotCallNumber: one });
    expect(bodyOf<ApiError>(refusals.doNotCallNumber).details![0]).toEqual({
      field: 'phones.1',
      errors: [expect.stringMatching(/invalid/)],
    });
    expect(JSON.stringify(refusals.doNotCallNumber.body)).not.toContain('12345');
  });

  it('the path ids the document gives are the ids the service accepts', () => {
    const parameters = Object.values<
      Record<string, { parameters?: { in: string; schema: { type: string; pattern: string } }[] }>
    >(document.paths as never)
      .flatMap((item) => Object.values(item))
      .flatMap((operation) => operation.parameters ?? [])
      .filter((p) => p.in === 'path');
    expect(parameters.length).toBeGreaterThan(10);
    for (const parameter of parameters) {
      expect(parameter.schema).toMatchObject({ type: 'string', pattern: expect.any(String) });
      const pattern = new RegExp(parameter.schema.pattern);
      for (const id of [
        '1',
        '42',
        '9223372036854775807',
        '9999999999999999999',
        '0',
        '01',
        '-1',
        '1.5',
        '10000000000000000000',
        'a',
        '',
      ]) {
        expect({ id, documented: pattern.test(id) }).toEqual({ id, documented: ID_PATTERN.test(id) });
      }
    }
  });
});
