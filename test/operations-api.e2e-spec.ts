import { INestApplication, Type } from '@nestjs/common';
import { GUARDS_METADATA, METHOD_METADATA } from '@nestjs/common/constants';
import { ModulesContainer } from '@nestjs/core';
import { TestingModule } from '@nestjs/testing';
import { Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { DataSource } from 'typeorm';
import { RunSyncPass } from '@app/task';
import { SimulatorHttp } from '../apps/robot-call-simulator/src/test/simulator-http';
import { AdminAuthGuard } from '../apps/api/src/auth/admin-auth.guard';
import { ServiceAuthGuard } from '../apps/api/src/auth/service-auth.guard';
import {
  ALWAYS_OPEN,
  asAccount,
  createApi,
  createdTask,
  createWorkerContext,
  grantBot,
  OpsStack,
  sample,
  setEnv,
  sleep,
  startedTask,
  startOpsStack,
} from './operations/ops-stack';
import {
  ApiError,
  bodyOf,
  CreateTaskResponse,
  HealthResponse,
  OpenApiDocumentRead,
  OpenApiResponse,
  typed,
} from './support/api-types';

const FIRM = 9101;
const ACCOUNT = 9201;
const me = asAccount(FIRM, ACCOUNT);

describe('API operations: probes, metrics, request ids, logs, OpenAPI', () => {
  let stack: OpsStack;
  let worker: TestingModule;

  beforeAll(async () => {
    stack = await startOpsStack();
    worker = await createWorkerContext(stack.logs);
  });

  afterAll(async () => {
    await worker?.close();
    await stack?.close();
  });

  describe('health', () => {
    it('/health/live answers 200 without authentication, outside /v1', async () => {
      const res = await stack.http().get('/health/live').expect(200);
      expect(res.body).toMatchObject({ status: 'ok' });
      await stack.http().get('/v1/health/live').expect(404);
    });

    it('/health/ready checks the database and reports the robot-call platform beside it', async () => {
      const res = await stack.http().get('/health/ready').expect(200);
      expect(res.body).toEqual({
        status: 'ok',
        info: { database: { status: 'up' }, robotCall: { status: 'up' } },
        error: {},
        details: { database: { status: 'up' }, robotCall: { status: 'up' } },
      });
      const metrics = (await stack.http().get('/metrics').expect(200)).text;
      expect(sample(metrics, 'aiv_robot_call_reachable')).toBe(1);
      expect(sample(metrics, 'aiv_gateway_circuit_open')).toBe(0);
    });

    it('probes are not written to the access log', async () => {
      stack.logs.clear();
      await stack.http().get('/health/live').expect(200);
      await stack.http().get('/metrics').expect(200);
      expect(stack.logs.lines.filter((l) => l.req)).toEqual([]);
    });
  });

  describe('request ids', () => {
    it('echoes an incoming X-Request-Id and puts it on the request’s log lines', async () => {
      stack.logs.clear();
      const res = await stack.http().get('/v1/bot').set(me).set('X-Request-Id', 'req-abc-123').expect(200);

      expect(res.headers['x-request-id']).toBe('req-abc-123');
      const access = stack.logs.lines.find((l) => l.req?.url === '/v1/bot');
      expect(access).toMatchObject({
        requestId: 'req-abc-123',
        level: 'info',
        service: 'ai-visitor-api',
        res: { statusCode: 200 },
      });
    });

    it('generates one when there is none (or it is not acceptable)', async () => {
      const plain = await stack.http().get('/v1/bot').set(me).expect(200);
      const forged = await stack
        .http()
        .get('/v1/bot')
        .set(me)
        .set('X-Request-Id', 'a"b\nc'.replace('\n', ' '))
        .expect(200);

      expect(plain.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      expect(forged.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('is set on errors, including bodies refused before routing', async () => {
      const unauthenticated = await stack.http().get('/v1/bot').expect(401);
      const malformed = typed<ApiError>(
        await stack
          .http()
          .post('/v1/tasks')
          .set(me)
          .set('Content-Type', 'application/json')
          .send('{"name":')
          .expect(400),
      );
      const unknown = typed<ApiError>(await stack.http().get('/v1/nowhere').expect(404));

      for (const res of [unauthenticated, malformed, unknown]) expect(res.headers['x-request-id']).toBeTruthy();
      expect(malformed.body.code).toBe('MALFORMED_REQUEST');
      expect(unknown.body.code).toBe('ROUTE_NOT_FOUND');
    });

    it('the error logged for a 5xx carries the request id, and no token or whole phone number appears', async () => {
      await grantBot(stack, FIRM);
      const taskId = bodyOf<CreateTaskResponse>(
        await stack
          .http()
          .post('/v1/tasks')
          .set(me)
          .send({ name: 'n', scriptId: 's', contacts: [{ phone: '+8613812345678' }], callWindow: ALWAYS_OPEN })
          .expect(201),
      ).task.id;
      const simulator = SimulatorHttp.of(stack.simulator);
      await simulator.setFaults({ errorRate: 1 });
      stack.logs.clear();
      try {
        const res = typed<ApiError>(
          await stack.http().post(`/v1/tasks/${taskId}/start`).set(me).set('X-Request-Id', 'req-5xx').expect(502),
        );
        expect(res.body.code).toBe('ROBOT_CALL_UNAVAILABLE');
      } finally {
        await simulator.setFaults({ errorRate: 0 });
      }

      const lines = stack.logs.lines.filter((l) => l.requestId === 'req-5xx');
      expect(lines.find((l) => l.context === 'HttpError')).toMatchObject({
        level: 'error',
        msg: expect.stringContaining('RobotCallUnavailableError'),
      });
      expect(lines.find((l) => l.context === 'CampaignGateway')).toMatchObject({
        level: 'warn',
        msg: expect.stringContaining('retry'),
      });
      expect(lines.find((l) => l.req)).toMatchObject({
        level: 'warn',
        res: { statusCode: 502 },
        req: { headers: { authorization: '[redacted]' } },
      });
      const all = stack.logs.raw.join('\n');
      expect(all).not.toContain('ops-service-token');
      expect(all).not.toContain('13812345678');
    });
  });

  describe('metrics', () => {
    it('/metrics answers without authentication, outside /v1, in Prometheus text format', async () => {
      const res = await stack.http().get('/metrics').expect(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
      expect(res.text).toContain('# TYPE aiv_http_request_duration_seconds histogram');
      expect(res.text).toContain('process_cpu_user_seconds_total');
      await stack.http().get('/v1/metrics').expect(404);
    });

    it('counts requests by route template, and the sync, gateway and task-status numbers move with a pass', async () => {
      const before = (await stack.http().get('/metrics').expect(200)).text;
      const requests = (text: string) =>
        sample(text, 'aiv_http_request_duration_seconds_count', {
          method: 'GET',
          route: '/v1/tasks/:id',
          status_code: '200',
        }) ?? 0;
      const adds = (text: string) =>
        sample(text, 'aiv_gateway_calls_total', { call: 'robot_call_campaign_add', outcome: 'ok' }) ?? 0;
      const passes = (text: string) => sample(text, 'aiv_sync_passes_total', { outcome: 'ok' }) ?? 0;
      const details = (text: string) =>
        sample(text, 'aiv_gateway_calls_total', { call: 'robot_call_campaign_detail', outcome: 'ok' }) ?? 0;

      const taskId = await startedTask(stack, FIRM, ACCOUNT, 5);
      await stack.http().get(`/v1/tasks/${taskId}`).set(me).expect(200);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const summary = await worker.get(RunSyncPass).execute();
      // The API and the worker share prom-client's per-process registry here; in production each process
      // exports its own numbers on its own port.
      const after = (await stack.http().get('/metrics').expect(200)).text;

      expect(requests(after) - requests(before)).toBe(1);
      expect(adds(after) - adds(before)).toBeGreaterThanOrEqual(1);
      expect(passes(after) - passes(before)).toBe(1);
      expect(details(after)).toBeGreaterThan(details(before));
      expect(
        (sample(after, 'aiv_sync_records_ingested_total') ?? 0) -
          (sample(before, 'aiv_sync_records_ingested_total') ?? 0),
      ).toBe(summary.recordsStored);
      expect(sample(after, 'aiv_sync_pass_duration_seconds_count')).toBeGreaterThanOrEqual(1);
      expect(sample(after, 'aiv_gateway_calls_total', { call: 'robot_call_campaign_add', outcome: 'timeout' })).toBe(0);
      const byStatus = ['not_started', 'starting', 'in_progress', 'paused', 'completed', 'cancelled'].map(
        (status) => sample(after, 'aiv_tasks', { status }) ?? -1,
      );
      expect(byStatus.every((n) => n >= 0)).toBe(true);
      expect(byStatus[2] + byStatus[4]).toBeGreaterThanOrEqual(1);
    });

    it('unknown paths share one route label', async () => {
      await stack.http().get('/v1/nowhere/123').expect(404);
      const text = (await stack.http().get('/metrics').expect(200)).text;
      expect(
        sample(text, 'aiv_http_request_duration_seconds_count', { route: 'unmatched', status_code: '404' }),
      ).toBeGreaterThanOrEqual(1);
      expect(text).not.toContain('/v1/nowhere/123');
    });
  });

  describe('OpenAPI', () => {
    it('serves the document at /docs-json and Swagger UI at /docs, without authentication', async () => {
      const ui = await stack.http().get('/docs').expect(200);
      expect(ui.text).toContain('swagger-ui');
      const doc = bodyOf<OpenApiDocumentRead>(await stack.http().get('/docs-json').expect(200));

      expect(doc.openapi).toMatch(/^3\./);
      expect(Object.keys(doc.components.securitySchemes).sort()).toEqual([
        'account-id',
        'admin-token',
        'firm-id',
        'service-token',
      ]);
      expect(doc.components.securitySchemes['account-id']).toMatchObject({
        type: 'apiKey',
        in: 'header',
        name: 'X-Account-Id',
      });
    });

    it('documents every route: security as its guards require, a response, the auth failure', async () => {
      const doc = bodyOf<OpenApiDocumentRead>(await stack.http().get('/docs-json').expect(200));
      const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
        Object.entries(methods).map(([method, op]) => ({ route: `${method.toUpperCase()} ${path}`, op })),
      );
      const routes = operations.map((o) => o.route);
      expect(routes).toEqual(
        expect.arrayContaining([
          'GET /health/live',
          'GET /health/ready',
          'GET /metrics',
          'POST /v1/tasks',
          'GET /v1/tasks',
          'GET /v1/tasks/{id}',
          'POST /v1/tasks/{id}/contacts',
          'GET /v1/tasks/{id}/contacts',
          'POST /v1/tasks/{id}/start',
          'POST /v1/tasks/{id}/pause',
          'POST /v1/tasks/{id}/cancel',
          'GET /v1/tasks/{id}/stats',
          'PUT /v1/admin/firms/{firmId}/bot',
          'GET /v1/admin/firms/{firmId}/bot',
          'GET /v1/bot',
          'GET /v1/me',
        ]),
      );
      // Every route the app serves is in the document.
      const served = [...stack.api.get(ModulesContainer).values()].flatMap((m) => [...m.controllers.values()]);
      const documented = new Set(operations.map((o) => o.op.operationId));
      for (const controller of served) {
        const type = controller.metatype as Type<unknown>;
        for (const name of Object.getOwnPropertyNames(type.prototype)) {
          const handler = (type.prototype as Record<string, object>)[name];
          if (name === 'constructor' || Reflect.getMetadata(METHOD_METADATA, handler) === undefined) continue;
          expect(documented).toContain(`${type.name}_${name}`);
        }
      }

      for (const { route, op } of operations.filter((o) => o.route.includes(' /v1/'))) {
        const [controllerName, method] = String(op.operationId).split('_');
        const type = served.find((c) => c.metatype?.name === controllerName)!.metatype as Type<unknown>;
        const guards = [
          ...((Reflect.getMetadata(GUARDS_METADATA, type) as unknown[] | undefined) ?? []),
          ...((Reflect.getMetadata(GUARDS_METADATA, (type.prototype as Record<string, object>)[method]) as
            unknown[] | undefined) ?? []),
        ];
        const expected = guards.includes(ServiceAuthGuard)
          ? [{ 'service-token': [], 'account-id': [], 'firm-id': [] }]
          : guards.includes(AdminAuthGuard)
            ? [{ 'admin-token': [] }]
            : undefined;
        if (expected) {
          expect({ route, security: op.security }).toEqual({ route, security: expected });
          expect({ route, has401: !!op.responses['401'] }).toEqual({ route, has401: true });
        }
        const success = Object.keys(op.responses).find((status) => /^2\d\d$/.test(status));
        expect({ route, success }).toEqual({ route, success: expect.any(String) });
        for (const [status, response] of Object.entries(op.responses)) {
          expect({ route, status, described: !!response.description }).toEqual({ route, status, described: true });
        }
      }
    });

    it('lists, per route and status, the error codes it may answer, as { code, message, details? }', async () => {
      const doc = bodyOf<OpenApiDocumentRead>(await stack.http().get('/docs-json').expect(200));
      const codes = (route: string, status: string) => {
        const [method, path] = route.split(' ');
        const schema = doc.paths[path][method.toLowerCase()].responses[status]?.content['application/json'].schema;
        return schema.allOf[1].properties.code.enum;
      };

      expect(codes('POST /v1/tasks', '403')).toEqual(['BOT_NOT_OPEN', 'BOT_EXPIRED', 'BOT_TASK_QUOTA_EXCEEDED']);
      expect(codes('POST /v1/tasks', '400')).toEqual([
        'CALLER_HEADERS_INVALID',
        'VALIDATION_FAILED',
        'MALFORMED_REQUEST',
      ]);
      expect(codes('POST /v1/tasks', '413')).toEqual(['PAYLOAD_TOO_LARGE']);
      expect(codes('POST /v1/tasks/{id}/pause', '409')).toEqual(['TASK_NOT_RUNNING', 'TASK_FINISHED']);
      expect(codes('POST /v1/tasks/{id}/start', '502')).toEqual(['ROBOT_CALL_UNAVAILABLE', 'ROBOT_CALL_REJECTED']);
      expect(codes('POST /v1/tasks/{id}/start', '504')).toEqual(['ROBOT_CALL_TIMEOUT']);
      expect(codes('GET /v1/tasks/{id}', '404')).toEqual(['TASK_NOT_FOUND']);
      expect(codes('GET /v1/admin/firms/{firmId}/bot', '401')).toEqual(['UNAUTHENTICATED']);
      expect(codes('POST /v1/callbacks/robot-call', '401')).toEqual(['CALLBACK_SIGNATURE_INVALID']);
      expect(doc.components.schemas.ErrorResponse).toMatchObject({
        required: ['code', 'message'],
        properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} },
      });
    });

    it('lists 503 DATABASE_UNAVAILABLE on every route that reads or writes the database (all but GET /v1/me)', async () => {
      const doc = bodyOf<OpenApiDocumentRead>(await stack.http().get('/docs-json').expect(200));
      // Whatever the route produces (the CSV export documents its errors under text/csv), the same error schema.
      const codesOf = (response: OpenApiResponse | undefined): string[] =>
        response ? (Object.values(response.content)[0].schema.allOf[1].properties.code.enum as string[]) : [];
      const unavailable = Object.entries(doc.paths)
        .filter(([path]) => path.startsWith('/v1/'))
        .flatMap(([path, methods]) =>
          Object.entries(methods).map(([method, op]) => ({ route: `${method.toUpperCase()} ${path}`, op })),
        )
        .map(({ route, op }) => ({ route, codes: codesOf(op.responses['503']) }));

      expect(unavailable.length).toBeGreaterThan(20);
      for (const { route, codes } of unavailable) {
        expect({ route, lists: codes.includes('DATABASE_UNAVAILABLE') }).toEqual({
          route,
          lists: route !== 'GET /v1/me',
        });
      }
      expect(doc.components.schemas.ErrorResponse.properties.code.enum).toContain('DATABASE_UNAVAILABLE');
    });

    it('lists on every /v1 route the statuses any route may answer: 429 (the throttle), 500; and 413, 415 where it takes a body', async () => {
      const doc = bodyOf<OpenApiDocumentRead>(await stack.http().get('/docs-json').expect(200));
      const codesOf = (response: OpenApiResponse | undefined): string[] =>
        response ? (response.content['application/json'].schema.allOf[1].properties.code.enum as string[]) : [];
      const operations = Object.entries(doc.paths)
        .filter(([path]) => path.startsWith('/v1/'))
        .flatMap(([path, methods]) =>
          Object.entries(methods).map(([method, op]) => ({ route: `${method.toUpperCase()} ${path}`, op })),
        );
      for (const { route, op } of operations) {
        const listed = (status: string) => ({ route, status, codes: codesOf(op.responses[status]) });
        expect(listed('429')).toEqual({ route, status: '429', codes: ['TOO_MANY_REQUESTS'] });
        expect(listed('500')).toEqual({ route, status: '500', codes: ['INTERNAL_ERROR'] });
        if (op.requestBody) {
          expect(listed('413')).toEqual({ route, status: '413', codes: ['PAYLOAD_TOO_LARGE'] });
          expect(listed('415')).toEqual({ route, status: '415', codes: ['UNSUPPORTED_MEDIA_TYPE'] });
        }
      }
      expect(doc.components.schemas.ErrorResponse.properties.code.enum).toEqual(
        expect.arrayContaining([
          'TOO_MANY_REQUESTS',
          'UNSUPPORTED_MEDIA_TYPE',
          'PAYLOAD_TOO_LARGE',
          'INTERNAL_ERROR',
          'DATABASE_UNAVAILABLE',
        ]),
      );
    });

    it('says null as strict OpenAPI 3.0.3 reads it, closes every schema, and types every path id', async () => {
      const doc = bodyOf<OpenApiDocumentRead>(await stack.http().get('/docs-json').expect(200));
      const { schemas } = doc.components;

      expect(doc.openapi).toBe('3.0.3');
      // `nullable` beside an `allOf` admits no null in 3.0.3: the reference or null, each on its own.
      expect(schemas.TaskResponse.properties.activeCampaign).toEqual({
        description: expect.any(String),
        anyOf: [
          { $ref: '#/components/schemas/ActiveCampaignResponse' },
          { type: 'object', nullable: true, enum: [null] },
        ],
      });
      expect(schemas.TaskResponse.properties.pauseReason.enum).toContain(null);
      for (const [name, schema] of Object.entries(schemas)) {
        expect({ name, additionalProperties: schema.additionalProperties }).toEqual({
          name,
          additionalProperties: false,
        });
      }
      const pathParameters = Object.values(doc.paths)
        .flatMap((methods) => Object.values(methods))
        .flatMap((op) => (op.parameters ?? []).filter((p) => p.in === 'path'));
      expect(pathParameters.length).toBeGreaterThan(10);
      for (const parameter of pathParameters)
        expect(parameter.schema).toMatchObject({ type: 'string', pattern: '^[1-9][0-9]{0,18}$' });
    });

    it('types the paging and the status filters as the integers the service takes', async () => {
      const doc = bodyOf<OpenApiDocumentRead>(await stack.http().get('/docs-json').expect(200));
      const typeOf = (path: string, name: string) =>
        doc.paths[path].get.parameters!.find((p) => p.name === name)!.schema.type;
      for (const [path, names] of [
        ['/v1/tasks', ['page', 'pageSize', 'status']],
        ['/v1/tasks/{id}/contacts', ['page', 'pageSize', 'status', 'callResult', 'intention']],
        ['/v1/tasks/{id}/contacts.csv', ['status', 'callResult', 'intention']],
      ] as const) {
        for (const name of names)
          expect({ path, name, type: typeOf(path, name) }).toEqual({ path, name, type: 'integer' });
      }
    });

    it('describes the DTOs and the views the routes answer with', async () => {
      const { schemas } = bodyOf<OpenApiDocumentRead>(await stack.http().get('/docs-json').expect(200)).components;

      expect(schemas.CreateTaskDto.required).toEqual(['name', 'scriptId']);
      expect(schemas.CreateTaskDto.properties.contacts).toMatchObject({ type: 'array', maxItems: 10000 });
      expect(schemas.ContactDto.required).toEqual(['phone']);
      expect(schemas.GrantBotDto.properties.botExpireAt).toMatchObject({ nullable: true, format: 'date-time' });
      expect(Object.keys(schemas.TaskResponse.properties)).toEqual(
        expect.arrayContaining(['id', 'status', 'pauseReason', 'activeCampaign']),
      );
      expect(Object.keys(schemas.TaskStatsResponse.properties)).toEqual(
        expect.arrayContaining(['connectRate', 'intentions']),
      );
      expect(schemas.FirmBotResponse.properties.state.enum).toEqual(['open', 'not_open', 'expired']);
    });
  });

  describe('graceful shutdown', () => {
    async function listeningApi(): Promise<{ app: INestApplication<Server>; url: string }> {
      const app = await createApi(stack.logs);
      await app.listen(0, '127.0.0.1');
      const { port } = app.getHttpServer().address() as AddressInfo;
      return { app, url: `http://127.0.0.1:${port}` };
    }

    const newTask = () => createdTask(stack, FIRM, ACCOUNT);

    beforeAll(() => grantBot(stack, FIRM));

    afterEach(async () => {
      await SimulatorHttp.of(stack.simulator).setFaults({ delayMs: 0 });
      setEnv(stack.db, stack.simulator);
    });

    it('on close (what SIGTERM triggers) a request in flight finishes, and its keep-alive connection does not hold the close', async () => {
      const { app, url } = await listeningApi();
      const taskId = await newTask();
      await SimulatorHttp.of(stack.simulator).setFaults({ delayMs: 400 });
      const events: string[] = [];
      // Seen from the server: the response is written out in full before the close completes.
      app
        .getHttpServer()
        .on('request', (_req: unknown, res: ServerResponse) => res.on('finish', () => events.push('answered')));

      const inFlight = fetch(`${url}/v1/tasks/${taskId}/start`, { method: 'POST', headers: me }).then(async (res) => ({
        status: res.status,
        body: await res.json(),
      }));
      await sleep(100);
      const closing = Date.now();
      await app.close();
      events.push('closed');
      const answer = await inFlight;

      expect(events).toEqual(['answered', 'closed']);
      expect(answer).toMatchObject({ status: 200, body: { id: taskId, status: 3 } });
      // Node would keep the idle keep-alive connection open for keepAliveTimeout (5 s) without the drain.
      expect(Date.now() - closing).toBeLessThan(2000);
      await expect(fetch(`${url}/health/live`)).rejects.toThrow();
    });

    it('the wait is bounded by SHUTDOWN_TIMEOUT_MS', async () => {
      setEnv(stack.db, stack.simulator, { SHUTDOWN_TIMEOUT_MS: '200', ROBOT_CALL_TIMEOUT_MS: '5000' });
      const { app, url } = await listeningApi();
      const taskId = await newTask();
      await SimulatorHttp.of(stack.simulator).setFaults({ delayMs: 1500 });

      const inFlight = fetch(`${url}/v1/tasks/${taskId}/start`, { method: 'POST', headers: me }).then(
        (res) => res.status,
        () => 'cut',
      );
      await sleep(100);
      const closing = Date.now();
      await app.close();
      const closedAfter = Date.now() - closing;

      expect(closedAfter).toBeGreaterThanOrEqual(150);
      expect(closedAfter).toBeLessThan(1200);
      expect(await inFlight).toBe('cut');
      await sleep(1500); // let the cut request's gateway call end before the next test
    });
  });

  // Last: they stop the simulator, then the API's database connection.
  it('/health/ready stays 200 while the robot-call platform is down, reporting it down; the gauge says 0', async () => {
    await stack.simulator.close();

    const res = await stack.http().get('/health/ready').expect(200);

    expect(res.body).toMatchObject({
      status: 'ok',
      info: { database: { status: 'up' }, robotCall: { status: 'down', message: expect.any(String) } },
      error: {},
      details: { database: { status: 'up' }, robotCall: { status: 'down' } },
    });
    expect(sample((await stack.http().get('/metrics').expect(200)).text, 'aiv_robot_call_reachable')).toBe(0);
    await stack.http().get('/health/live').expect(200);
  });

  it('/health/ready answers 503 when the database does not answer, naming it', async () => {
    await stack.api.get(DataSource).destroy();

    const res = typed<HealthResponse>(await stack.http().get('/health/ready').expect(503));

    expect(res.body).toMatchObject({
      status: 'error',
      error: { database: { status: 'down' } },
      details: { database: { status: 'down' }, robotCall: { status: 'down' } },
    });
    expect(res.body.error).not.toHaveProperty('robotCall');
    await stack.http().get('/health/live').expect(200);
  });
});
