import { createConnection } from 'mysql2/promise';
import { DataSource } from 'typeorm';
import { asAccount, asAdmin, Harness, startHarness, signedPushHeaders } from './support/harness';
import { contacts, createTask, grantBot } from './support/factories';
import { dbFingerprint } from './support/db-fingerprint';
import { startPrivateMariaDb, PrivateMariaDb } from './support/private-mariadb';
import { serverUrl } from './support/test-database';
import {
  ApiError,
  bodyOf,
  ContactPageResponse,
  FirmBotResponse,
  OpenApiDocumentRead,
  TaskResponse,
  typed,
} from './support/api-types';
import { DbValue } from './support/db-rows';

/**
 * UTC everywhere (issue 11, item 11). On the MySQL run (DATABASE_URL set) the whole file runs on a MariaDB of
 * its own started with --default-time-zone=+08:00, the server zone a deployment in China may well have: the
 * database's own clock (created_at/updated_at defaults, ON UPDATE, leases) must still write UTC. The suite's
 * server cannot show this (it runs at UTC) and cannot be restarted by a test. On the SQLite run the same
 * assertions run on the embedded database (whose clock is UTC by construction), so `npm test` there still needs
 * no database server: the +08:00 server is the MySQL run's job, where a missing mariadbd fails the file.
 */

const FIRM = 8101;
const me = asAccount(FIRM, 1);
const ZONE = '+08:00';

/** Within `seconds` of the real time now. */
function expectNow(iso: string, seconds = 5): void {
  const offBy = Math.abs(new Date(iso).getTime() - Date.now());
  if (offBy > seconds * 1000)
    throw new Error(`${iso} is ${(offBy / 3_600_000).toFixed(2)} hours off the time now (${new Date().toISOString()})`);
}

describe('time zones: UTC in the database and on the wire, whatever the server runs at', () => {
  const onMysql = serverUrl() !== '';
  let mariadb: PrivateMariaDb | undefined;
  let h: Harness;

  beforeAll(async () => {
    if (onMysql) mariadb = await startPrivateMariaDb([`--default-time-zone=${ZONE}`]);
    // The simulator dials slowly: the campaign stays open for the pushed record, nothing else lands on the contact.
    h = await startHarness({ databaseServer: mariadb?.url, simulator: { callMs: 60_000 } });
    await grantBot(h, FIRM);
  }, 120_000);

  afterAll(async () => {
    await h?.close();
    await mariadb?.stop();
  });

  (onMysql ? it : it.skip)(`runs on a server whose own zone is ${ZONE}`, async () => {
    const conn = await createConnection({ uri: mariadb!.url });
    try {
      const [rows] = await conn.query(
        'SELECT @@global.time_zone AS zone, TIMESTAMPDIFF(HOUR, UTC_TIMESTAMP(), NOW()) AS ahead',
      );
      expect(rows).toEqual([{ zone: ZONE, ahead: 8 }]);
    } finally {
      await conn.end();
    }
  });

  it("every connection of the API and the worker runs its session at UTC, so the database's own clock reads UTC", async () => {
    for (const ds of [h.api.get(DataSource), h.worker.get(DataSource)]) {
      if (h.db.kind === 'sqlite') {
        const [{ now }] = await ds.query<{ now: DbValue }[]>("SELECT strftime('%Y-%m-%d %H:%M:%f', 'now') AS now");
        expectNow(`${String(now).replace(' ', 'T')}Z`);
        continue;
      }
      // Concurrent statements take several of the pool's connections: each one, not only the first, is at UTC.
      const sessions = await Promise.all(
        Array.from({ length: 4 }, () =>
          ds.query<{ id: DbValue; zone: string; now: Date }[]>(
            'SELECT CONNECTION_ID() AS id, @@session.time_zone AS zone, NOW(3) AS now, SLEEP(0.2) AS slept',
          ),
        ),
      );
      expect(new Set(sessions.map(([s]) => String(s.id))).size).toBeGreaterThan(1);
      for (const [session] of sessions) {
        expect(session.zone).toBe('+00:00');
        expectNow(session.now.toISOString()); // mysql2 reads DATETIME as UTC
      }
    }
  });

  it("a new task's createdAt and updatedAt are the time now, and so is updatedAt after a change", async () => {
    const taskId = await createTask(h, FIRM, 1, { contacts: contacts(2) });
    const created = bodyOf<TaskResponse>(await h.http().get(`/v1/tasks/${taskId}`).set(me).expect(200));
    expectNow(created.createdAt);
    expectNow(created.updatedAt);

    await h.http().post(`/v1/tasks/${taskId}/start`).set(me).expect(200);
    const started = bodyOf<TaskResponse>(await h.http().get(`/v1/tasks/${taskId}`).set(me).expect(200));
    expect(started.status).toBe(3);
    expectNow(started.updatedAt);
    expectNow(started.startedAt!);
    expect(started.createdAt).toBe(created.createdAt);
  });

  it('a botExpireAt without a zone is refused with 400 VALIDATION_FAILED and changes nothing', async () => {
    const put = (botExpireAt: unknown) =>
      h
        .http()
        .put(`/v1/admin/firms/${FIRM}/bot`)
        .set(asAdmin())
        .send({ isOpenBot: true, botExpireAt, botTaskNum: 100 });
    const before = await dbFingerprint(h);
    for (const zoneless of [
      '2027-12-31T00:00:00',
      '2027-12-31T00:00:00.000',
      '2027-12-31 00:00:00',
      '2027-12-31T00:00',
      '2027-12-31',
    ]) {
      const res = typed<ApiError>(await put(zoneless));
      expect({ zoneless, status: res.status, code: res.body.code }).toEqual({
        zoneless,
        status: 400,
        code: 'VALIDATION_FAILED',
      });
      expect(res.body.details).toEqual([{ field: 'botExpireAt', errors: [expect.stringMatching(/zone/)] }]);
    }
    for (const invalid of [
      '2027-02-30T00:00:00Z',
      '2027-12-31T24:00:00Z',
      '2027-12-31T00:00:00+25:00',
      '20271231T000000Z',
    ]) {
      expect({ invalid, status: (await put(invalid)).status }).toEqual({ invalid, status: 400 });
    }
    expect(await dbFingerprint(h)).toEqual(before);

    // With a zone it is the instant meant, stored and answered in UTC.
    const granted = bodyOf<FirmBotResponse>(await put('2027-12-31T08:00:00+08:00').expect(200));
    expect(granted.botExpireAt).toBe('2027-12-31T00:00:00.000Z');
    expect(
      bodyOf<FirmBotResponse>(await h.http().get(`/v1/admin/firms/${FIRM}/bot`).set(asAdmin()).expect(200)).botExpireAt,
    ).toBe('2027-12-31T00:00:00.000Z');
  });

  it("a pushed record's called_at without a zone is taken as UTC", async () => {
    const taskId = await createTask(h, FIRM, 1, { contacts: contacts(1, 50) });
    const campaignId = bodyOf<TaskResponse>(await h.http().post(`/v1/tasks/${taskId}/start`).set(me).expect(200))
      .activeCampaign!.campaignId!;
    const [contact] = bodyOf<ContactPageResponse>(
      await h.http().get(`/v1/tasks/${taskId}/contacts`).set(me).expect(200),
    ).items;
    const body = JSON.stringify({
      campaign_id: campaignId,
      records: [
        {
          record_id: `rec_tz_${taskId}`,
          ref: contact.id,
          call_result: 1,
          fail_reason: null,
          intention: 1,
          duration_sec: 30,
          called_at: '2026-11-28 10:03:04.5',
        },
      ],
    });
    expect(
      (await h.http().post('/v1/callbacks/robot-call').set(signedPushHeaders(body)).send(body).expect(200)).body,
    ).toEqual({ received: 1, stored: 1 });
    const [called] = bodyOf<ContactPageResponse>(
      await h.http().get(`/v1/tasks/${taskId}/contacts`).set(me).expect(200),
    ).items;
    expect(called.calledAt).toBe('2026-11-28T10:03:04.500Z');

    const garbled = body.replace('2026-11-28 10:03:04.5', 'Nov 28 2026 10:03');
    expect(
      bodyOf<ApiError>(
        await h.http().post('/v1/callbacks/robot-call').set(signedPushHeaders(garbled)).send(garbled).expect(400),
      ).code,
    ).toBe('VALIDATION_FAILED');
  });

  it('the OpenAPI document states the rule on the fields that take date-times', async () => {
    const { schemas } = bodyOf<OpenApiDocumentRead>(await h.http().get('/docs-json').expect(200)).components;
    expect(schemas.GrantBotDto.properties.botExpireAt.description).toMatch(/with its zone.*refused/s);
    expect(schemas.PushedRecordDto.properties.called_at.description).toMatch(/Without a zone it is UTC/);
    expect(schemas.TaskResponse.properties.createdAt.description).toMatch(/UTC/);
  });
});
