import fc from 'fast-check';
import { asAccount, asAdmin, Harness, SERVICE_TOKEN, startHarness } from './support/harness';
import { ALWAYS, contacts, createTask, grantBot } from './support/factories';
import { dbFingerprint } from './support/db-fingerprint';
import { ApiError, AddContactsResponse, CreateTaskResponse, typed } from './support/api-types';

/**
 * Property-based hostile input against the real API: whatever the body, query, path parameter or caller
 * header, the answer is a 2xx or a 4xx (never a 5xx), a 4xx carries `{ code: string, message: string }`, and a
 * refused request writes nothing. Runs are bounded so the file stays well under a minute.
 */

const FIRM = 7701;
const OWNER = 1;
const GRANT_FIRM = 7702; // the only firm the PUT /admin/.../bot property may change
const RUNS = 50;

type Res = { status: number; body?: Partial<ApiError>; text?: string };

describe('hostile input never gets a 5xx, and a refused request writes nothing', () => {
  let h: Harness;
  let taskId: string;

  beforeAll(async () => {
    h = await startHarness({ simulator: { callMs: 60_000 } });
    await grantBot(h, FIRM, { botTaskNum: 1_000_000 });
    await grantBot(h, GRANT_FIRM);
    taskId = await createTask(h, FIRM, OWNER);
  });

  afterAll(async () => {
    await h?.close();
  });

  /** The property itself: status < 500; a 4xx is `{ code, message }` and leaves the database as it was. */
  async function check(what: string, send: () => Promise<Res>): Promise<void> {
    const before = await dbFingerprint(h);
    const res = await send();
    const shown = `${what} → ${res.status} ${JSON.stringify(res.body ?? res.text)?.slice(0, 300)}`;
    if (res.status >= 500) throw new Error(`server error: ${shown}`);
    if (res.status >= 400) {
      if (typeof res.body?.code !== 'string' || typeof res.body?.message !== 'string')
        throw new Error(`4xx without { code, message }: ${shown}`);
      const after = await dbFingerprint(h);
      try {
        expect(after).toEqual(before);
      } catch (e) {
        throw new Error(`a refused request wrote to the database: ${shown}\n${(e as Error).message}`, { cause: e });
      }
    } else if (res.status < 200 || res.status >= 300) {
      throw new Error(`unexpected status: ${shown}`);
    }
  }

  const postJson = (path: string, headers: Record<string, string>, value: unknown, method: 'post' | 'put' = 'post') =>
    (method === 'put' ? h.http().put(path) : h.http().post(path))
      .set(headers)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify(value) ?? 'undefined');

  // ---- generators ----

  /** Numbers at the edges: huge, negative, fractional, beyond int64, not finite once parsed. */
  const edgyNumber = fc.oneof(
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.constantFrom(
      0,
      -1,
      1,
      1e20,
      -1e20,
      2 ** 53,
      2 ** 63,
      1.5,
      9999999999,
      Number.MAX_SAFE_INTEGER,
      Number.MIN_VALUE,
    ),
  );
  const edgyString = fc.oneof(
    fc.string(),
    fc.string({ unit: 'grapheme', maxLength: 40 }),
    fc.constantFrom(
      '',
      ' ',
      '0',
      '-1',
      '1e20',
      'null',
      'true',
      '__proto__',
      '13800138000',
      '+8613800138000',
      '2027-12-31T00:00:00Z',
      '0001-01-01T00:00:00Z',
      '9999-12-31T23:59:59Z',
      "' OR 1=1 --",
      '%00',
      '\u0000',
      'x'.repeat(300),
    ),
  );
  const scalar = fc.oneof(edgyString, edgyNumber, fc.boolean(), fc.constant(null));
  const json = fc.oneof({ weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }) }, { weight: 1, arbitrary: scalar });

  /** An object whose keys mix the route's own fields, prototype keys and random ones, with values of any type. */
  function objectWith(
    known: string[],
    valueFor: Record<string, fc.Arbitrary<unknown>> = {},
  ): fc.Arbitrary<Record<string, unknown>> {
    const key = fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...known) },
      { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', 'prototype', 'firmId', 'id') },
      { weight: 1, arbitrary: fc.string({ maxLength: 10 }) },
    );
    const entries = fc.array(
      key.chain((k) =>
        fc.tuple(
          fc.constant(k),
          Object.prototype.hasOwnProperty.call(valueFor, k)
            ? fc.oneof({ weight: 3, arbitrary: valueFor[k] }, { weight: 1, arbitrary: json })
            : json,
        ),
      ),
      { maxLength: 8 },
    );
    return entries.map((pairs) => {
      const o: Record<string, unknown> = {};
      for (const [k, v] of pairs)
        Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
      return o;
    });
  }

  const contactArb = fc.oneof(
    objectWith(['phone', 'name', 'candidateRef'], { phone: edgyString, name: edgyString, candidateRef: edgyString }),
    json,
  );
  const contactList = fc.oneof(fc.array(contactArb, { maxLength: 6 }), json);
  const callWindowArb = fc.oneof(
    objectWith(['start', 'end', 'days', 'timeZone'], {
      start: fc.oneof(fc.constantFrom('00:00', '09:00', '24:00', '25:00', '9:00'), edgyString),
      end: fc.oneof(fc.constantFrom('20:00', '24:00', '00:00'), edgyString),
      days: fc.oneof(fc.array(fc.oneof(fc.integer({ min: -1, max: 9 }), scalar), { maxLength: 9 }), json),
      timeZone: fc.oneof(fc.constantFrom('Asia/Shanghai', 'UTC', 'Mars/Olympus', ''), edgyString),
    }),
    fc.constant(ALWAYS),
    json,
  );
  const createTaskBody = fc.oneof(
    json,
    objectWith(['name', 'scriptId', 'batchSize', 'maxAttempts', 'retryGapMinutes', 'callWindow', 'contacts'], {
      name: edgyString,
      scriptId: fc.oneof(fc.constantFrom('recruit-v1', 's'), edgyString),
      batchSize: edgyNumber,
      maxAttempts: edgyNumber,
      retryGapMinutes: edgyNumber,
      callWindow: callWindowArb,
      contacts: contactList,
    }),
  );

  /** Strings for a path parameter: digits of any length (beyond int64 too), near-ids and anything else. */
  const idString = fc.oneof(
    fc.bigInt({ min: 0n, max: 10n ** 25n }).map(String),
    fc.constantFrom(
      '0',
      '01',
      '-1',
      '1.5',
      '1e3',
      ' 1',
      '9223372036854775807',
      '9223372036854775808',
      '9999999999999999999',
      '..',
      '.',
      'contacts.csv',
      'null',
    ),
    fc.string({ minLength: 1 }),
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }),
  );

  /** Header values Node lets a client send (no control characters but tab, latin-1 only). */
  const headerValue = fc.oneof(
    fc.bigInt({ min: -5n, max: 10n ** 22n }).map(String),
    fc.constantFrom(
      '',
      ' ',
      '0',
      '01',
      '1 ',
      '1,2',
      '1e3',
      '0x10',
      '9223372036854775807',
      '9223372036854775808',
      '9999999999999999999',
    ),
    fc.string({
      unit: fc
        .integer({ min: 0x20, max: 0xff })
        .filter((c) => c !== 0x7f)
        .map((c) => String.fromCharCode(c)),
      maxLength: 30,
    }),
  );

  /** A query string: known and random keys, repeated keys, bracket syntax, edge numbers. */
  const queryString = fc.oneof(
    fc
      .array(
        fc.tuple(
          fc.oneof(
            fc.constantFrom(
              'page',
              'pageSize',
              'status',
              'callResult',
              'intention',
              'page[]',
              'page[x]',
              '__proto__',
              'constructor[prototype]',
            ),
            fc.string({ maxLength: 8 }),
          ),
          fc.oneof(fc.bigInt({ min: -10n, max: 10n ** 21n }).map(String), edgyNumber.map(String), edgyString),
        ),
        { maxLength: 6 },
      )
      .map((pairs) =>
        pairs
          .map(
            ([k, v]) => `${encodeURIComponent(k).replace(/%5B/g, '[').replace(/%5D/g, ']')}=${encodeURIComponent(v)}`,
          )
          .join('&'),
      ),
    fc.string({ maxLength: 40 }).map((s) => encodeURIComponent(s).replace(/%3D/g, '=').replace(/%26/g, '&')),
  );

  const enc = (s: string) => {
    try {
      return encodeURIComponent(s);
    } catch {
      return encodeURIComponent(s.replace(/[\ud800-\udfff]/g, '?')); // lone surrogates cannot be encoded
    }
  };

  // ---- bodies ----

  it('POST /v1/tasks with any JSON body', async () => {
    await fc.assert(
      fc.asyncProperty(createTaskBody, (body) =>
        check(`POST /v1/tasks ${JSON.stringify(body)}`, () => postJson('/v1/tasks', asAccount(FIRM, OWNER), body)),
      ),
      { numRuns: RUNS * 2 },
    );
  });

  it('POST /v1/tasks/:id/contacts with any JSON body', async () => {
    const body = fc.oneof(json, objectWith(['contacts'], { contacts: contactList }));
    await fc.assert(
      fc.asyncProperty(body, (b) =>
        check(`POST /v1/tasks/${taskId}/contacts ${JSON.stringify(b)}`, () =>
          postJson(`/v1/tasks/${taskId}/contacts`, asAccount(FIRM, OWNER), b),
        ),
      ),
      { numRuns: RUNS * 2 },
    );
  });

  it('PUT /v1/admin/firms/:firmId/bot with any JSON body', async () => {
    const isoDate = fc
      .date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true })
      .map((d) => d.toISOString());
    const body = fc.oneof(
      json,
      objectWith(['isOpenBot', 'botExpireAt', 'botTaskNum'], {
        isOpenBot: fc.oneof(fc.boolean(), scalar),
        botExpireAt: fc.oneof(isoDate, fc.constant(null), edgyString),
        botTaskNum: edgyNumber,
      }),
    );
    await fc.assert(
      fc.asyncProperty(body, (b) =>
        check(`PUT /v1/admin/firms/${GRANT_FIRM}/bot ${JSON.stringify(b)}`, () =>
          postJson(`/v1/admin/firms/${GRANT_FIRM}/bot`, asAdmin(), b, 'put'),
        ),
      ),
      { numRuns: RUNS * 2 },
    );
  });

  it('POST /v1/do-not-call (and /remove) with any JSON body', async () => {
    const body = fc.oneof(
      json,
      objectWith(['phones', 'reason'], {
        phones: fc.oneof(fc.array(fc.oneof(edgyString, scalar), { maxLength: 5 }), json),
        reason: fc.oneof(fc.constantFrom('opted_out', 'requested'), edgyString),
      }),
    );
    await fc.assert(
      fc.asyncProperty(body, fc.boolean(), (b, remove) => {
        const path = remove ? '/v1/do-not-call/remove' : '/v1/do-not-call';
        return check(`POST ${path} ${JSON.stringify(b)}`, () => postJson(path, asAccount(FIRM, OWNER), b));
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it('bodies that are not JSON, or JSON of another content type', async () => {
    const raw = fc.oneof(
      fc.string(),
      fc.string({ unit: 'grapheme' }),
      fc.constantFrom('{"name":', '{}}', '[', 'null', '"x"', '1', '\u0000', '{"__proto__":{"x":1}}'),
    );
    const type = fc.constantFrom(
      'application/json',
      'application/json; charset=latin1',
      'application/json; charset=utf-16',
      'text/plain',
      'application/x-www-form-urlencoded',
      'application/merge-patch+json',
    );
    await fc.assert(
      fc.asyncProperty(
        raw,
        type,
        fc.constantFrom('/v1/tasks', `/v1/tasks/${taskId}/contacts`, '/v1/do-not-call'),
        (text, ct, path) =>
          check(`POST ${path} (${ct}) ${JSON.stringify(text)}`, () =>
            h.http().post(path).set(asAccount(FIRM, OWNER)).set('Content-Type', ct).send(text),
          ),
      ),
      { numRuns: RUNS },
    );
  });

  // ---- path parameters ----

  it('any string as a task :id on every /tasks/:id route', async () => {
    const routes = [
      ['get', ''],
      ['get', '/stats'],
      ['get', '/contacts'],
      ['get', '/contacts.csv'],
      ['post', '/start'],
      ['post', '/pause'],
      ['post', '/cancel'],
      ['post', '/contacts'],
    ] as const;
    await fc.assert(
      fc.asyncProperty(idString, fc.constantFrom(...routes), (id, [method, suffix]) => {
        const path = `/v1/tasks/${enc(id)}${suffix}`;
        return check(`${method.toUpperCase()} ${path}`, () => {
          const req = h.http()[method](path).set(asAccount(FIRM, OWNER));
          return suffix === '/contacts' && method === 'post' ? req.send({ contacts: contacts(1, 8000) }) : req;
        });
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it('any string as :firmId on every admin route', async () => {
    const routes = [
      ['get', '/bot', undefined],
      ['put', '/bot', { isOpenBot: false, botExpireAt: null, botTaskNum: 0 }],
      ['get', '/do-not-call', undefined],
      ['post', '/do-not-call', { phones: ['13912345678'] }],
      ['post', '/do-not-call/remove', { phones: ['13912345678'] }],
    ] as const;
    const firmId = idString.filter((s) => s !== String(FIRM) && s !== String(GRANT_FIRM));
    await fc.assert(
      fc.asyncProperty(firmId, fc.constantFrom(...routes), (id, [method, suffix, body]) => {
        const path = `/v1/admin/firms/${enc(id)}${suffix}`;
        return check(`${method.toUpperCase()} ${path} ${JSON.stringify(body ?? '')}`, () => {
          const req = h.http()[method](path).set(asAdmin());
          return body ? req.send(body) : req;
        });
      }),
      { numRuns: RUNS * 2 },
    );
  });

  // ---- query strings ----

  it('any query string on the list routes', async () => {
    const routes = [
      '/v1/tasks',
      `/v1/tasks/${taskId}/contacts`,
      `/v1/tasks/${taskId}/contacts.csv`,
      '/v1/do-not-call',
      `/v1/admin/firms/${FIRM}/do-not-call`,
    ];
    await fc.assert(
      fc.asyncProperty(queryString, fc.constantFrom(...routes), (qs, route) => {
        const path = `${route}?${qs}`;
        return check(`GET ${path}`, () =>
          h
            .http()
            .get(path)
            .set(route.includes('/admin/') ? asAdmin() : asAccount(FIRM, OWNER)),
        );
      }),
      { numRuns: RUNS * 2 },
    );
  });

  // Found by this file: `page` had no upper bound, so a huge page became an OFFSET out of the engine's integer
  // range (SQLite from ~1.8e17 pages, MariaDB from ~1e18) and the query failed with a 500. Now a 400.
  it.each([
    ['/v1/tasks', 'user'],
    ['/v1/tasks/:task/contacts', 'user'],
    ['/v1/do-not-call', 'user'],
    ['/v1/admin/firms/7701/do-not-call', 'admin'],
  ])('GET %s?page=1e20 (or 1000000000000000000) is a 400, not a 500', async (route, who) => {
    for (const page of ['1e20', '1000000000000000000']) {
      const path = `${route.replace(':task', taskId)}?page=${page}`;
      const res = await h
        .http()
        .get(path)
        .set(who === 'admin' ? asAdmin() : asAccount(FIRM, OWNER));
      // Shown as "<path> → <status> <body>" so the failure names the input.
      expect(`${path} → ${res.status} ${JSON.stringify(res.body)}`).not.toMatch(/ → 5\d\d /);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.any(String) });
    }
  });

  // ---- caller headers ----

  it('any X-Firm-Id / X-Account-Id with the right service token', async () => {
    const routes = [
      ['get', '/v1/tasks', undefined],
      ['get', '/v1/bot', undefined],
      ['get', '/v1/me', undefined],
      ['get', '/v1/do-not-call', undefined],
      ['post', '/v1/do-not-call', { phones: ['13912345679'] }],
      ['post', '/v1/tasks', { name: 'h', scriptId: 's', contacts: contacts(1, 9000), callWindow: ALWAYS }],
      ['get', `/v1/tasks/:task`, undefined],
      ['post', `/v1/tasks/:task/start`, undefined],
    ] as const;
    await fc.assert(
      fc.asyncProperty(
        fc.option(headerValue),
        fc.option(headerValue),
        fc.constantFrom(...routes),
        (firm, account, [method, route, body]) => {
          const headers: Record<string, string> = { Authorization: `Bearer ${SERVICE_TOKEN}` };
          if (firm !== null) headers['X-Firm-Id'] = firm;
          if (account !== null) headers['X-Account-Id'] = account;
          const path = route.replace(':task', taskId);
          return check(
            `${method.toUpperCase()} ${path} X-Firm-Id=${JSON.stringify(firm)} X-Account-Id=${JSON.stringify(account)}`,
            () => {
              const req = h.http()[method](path).set(headers);
              return body ? req.send(body) : req;
            },
          );
        },
      ),
      { numRuns: RUNS * 2 },
    );
  });

  // ---- limits ----

  it('a body over 4 MB is refused with 413 PAYLOAD_TOO_LARGE before it is parsed', async () => {
    const before = await dbFingerprint(h);
    // Not even JSON: a 400 MALFORMED_REQUEST would mean it was parsed first.
    const notJson = `{"name":"${'x'.repeat(4 * 1024 * 1024 + 10)}`;
    const res = typed<CreateTaskResponse>(
      await h
        .http()
        .post('/v1/tasks')
        .set(asAccount(FIRM, OWNER))
        .set('Content-Type', 'application/json')
        .send(notJson),
    );
    expect({ status: res.status, body: res.body }).toEqual({
      status: 413,
      body: { code: 'PAYLOAD_TOO_LARGE', message: expect.any(String) },
    });
    const valid = JSON.stringify({ contacts: contacts(70_000, 10_000) }); // valid JSON, ~4.9 MB
    expect(valid.length).toBeGreaterThan(4 * 1024 * 1024);
    const res2 = typed<ApiError>(
      await h
        .http()
        .post(`/v1/tasks/${taskId}/contacts`)
        .set(asAccount(FIRM, OWNER))
        .set('Content-Type', 'application/json')
        .send(valid),
    );
    expect({ status: res2.status, code: res2.body.code }).toEqual({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
    expect(await dbFingerprint(h)).toEqual(before);
  });

  it.each([
    ['POST /v1/tasks', () => '/v1/tasks', (list: unknown[]) => ({ name: 'big', scriptId: 's', contacts: list })],
    ['POST /v1/tasks/:id/contacts', () => `/v1/tasks/${taskId}/contacts`, (list: unknown[]) => ({ contacts: list })],
  ])('%s with 10,001 contacts is 400 VALIDATION_FAILED and writes nothing', async (_name, path, body) => {
    const before = await dbFingerprint(h);
    const list = contacts(10_001, 20_000).map(({ phone }) => ({ phone }));
    const res = typed<ApiError>(await h.http().post(path()).set(asAccount(FIRM, OWNER)).send(body(list)));
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
    expect(await dbFingerprint(h)).toEqual(before);
  });

  it('exactly 10,000 contacts are accepted', async () => {
    // A task of its own: the property tests above may have cancelled the shared one (a valid request among them).
    const fresh = await createTask(h, FIRM, OWNER);
    const list = contacts(10_000, 40_000).map(({ phone }) => ({ phone }));
    const res = typed<AddContactsResponse>(
      await h.http().post(`/v1/tasks/${fresh}/contacts`).set(asAccount(FIRM, OWNER)).send({ contacts: list }),
    );
    expect({ status: res.status, added: res.body.added, body: res.status === 201 ? null : res.body }).toEqual({
      status: 201,
      added: 10_000,
      body: null,
    });
  });
});
