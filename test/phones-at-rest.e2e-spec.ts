import { existsSync, readFileSync } from 'fs';
import { DataSource } from 'typeorm';
import { PhoneVault, phoneKeysFromEnv } from '@app/core';
import { buildDataSourceOptions, rekeyPhones } from '@app/database';
import { InitialSchema1764300000000 } from '../libs/database/src/migrations/1764300000000-InitialSchema';
import { OutreachPolicies1764400000000 } from '../libs/database/src/migrations/1764400000000-OutreachPolicies';
import { SyncLeases1764500000000 } from '../libs/database/src/migrations/1764500000000-SyncLeases';
import { StatsCoveringIndex1764600000000 } from '../libs/database/src/migrations/1764600000000-StatsCoveringIndex';
import { PhoneEncryption1764700000000 } from '../libs/database/src/migrations/1764700000000-PhoneEncryption';
import { CampaignStore } from '../apps/robot-call-simulator/src/campaigns/campaign-store.service';
import { asAccount, asAdmin, Harness, startHarness } from './support/harness';
import { ALWAYS, createTask, grantBot, mobiles, syncUntil } from './support/factories';
import { TEST_PHONE_KEYS } from './support/phone-keys';
import { createTestDatabase } from './support/test-database';
import {
  AddContactsResponse,
  bodyOf,
  ContactPageResponse,
  RegisteredWebhookResponse,
  typed,
} from './support/api-types';
import { DbRow, DbValue } from './support/db-rows';

const COMPLETED = 5;
const TABLES = [
  'ai_visitor_task',
  'ai_visitor_call_task',
  'ai_visitor_list',
  'ai_visitor_call_record',
  'ai_visitor_firm_phone',
  'ai_visitor_firm_bot',
];

/** Every stored value of the service's tables as one text, to search for numbers in clear. */
async function everythingStored(ds: DataSource): Promise<string> {
  const parts: string[] = [];
  for (const table of TABLES) parts.push(JSON.stringify(await ds.query(`SELECT * FROM ${table}`)));
  return parts.join('\n');
}

/**
 * The message a query failed with, or null when it succeeded. (Not `rejects.toThrow()`: the driver's errors can
 * come from another jest module registry, whose Error jest does not recognise.)
 */
async function failureOf(query: Promise<unknown>): Promise<string | null> {
  return query.then(
    () => null,
    (error: { message?: string; toString(): string }) => String(error?.message ?? error),
  );
}

describe('phone numbers at rest (AES-256-GCM + HMAC blind index)', () => {
  const FIRM = 7701;
  const me = asAccount(FIRM, 1);
  let h: Harness;
  let taskId: string;
  const numbers = mobiles(24, 4242, '136'); // 136 0000 4242 …: no other suite uses them
  const dnc = mobiles(2, 9090, '136');

  beforeAll(async () => {
    h = await startHarness();
    await grantBot(h, FIRM);
    await h.http().post('/v1/do-not-call').set(me).send({ phones: dnc, reason: 'opted_out' }).expect(201);
    taskId = await createTask(h, FIRM, 1, {
      contacts: [...numbers, ...dnc].map((phone, i) => ({ phone, name: `n${i}`, candidateRef: `c${i}` })),
      batchSize: 10,
      callWindow: ALWAYS,
    });
    await h.http().post(`/v1/tasks/${taskId}/start`).set(me).expect(200);
    await syncUntil(h, FIRM, 1, taskId, COMPLETED);
  });

  afterAll(async () => {
    await h.close();
  });

  it('no number is stored in clear in any table (nor, on the embedded database, anywhere in its files)', async () => {
    const ds = h.api.get(DataSource);
    const stored = await everythingStored(ds);
    expect(stored).toContain(taskId); // the dump is real
    for (const phone of [...numbers, ...dnc]) expect(stored).not.toContain(phone);

    const list = await ds.query<{ phone_hash: string; phone_key_id: string }[]>(
      'SELECT phone_hash, phone_key_id FROM ai_visitor_list WHERE task_id = ?',
      [taskId],
    );
    expect(list).toHaveLength(numbers.length + dnc.length);
    expect(new Set(list.map((r) => r.phone_key_id))).toEqual(new Set(['k1']));
    const registry = await ds.query<unknown[]>('SELECT phone_hash FROM ai_visitor_firm_phone WHERE firm_id = ?', [
      FIRM,
    ]);
    expect(registry).toHaveLength(numbers.length + dnc.length); // called numbers (cooling) and the do-not-call list

    if (h.db.kind === 'sqlite') {
      const file = h.db.settings.sqlitePath!;
      const bytes = [file, `${file}-wal`]
        .filter(existsSync)
        .map((f) => readFileSync(f).toString('latin1'))
        .join('');
      expect(bytes.length).toBeGreaterThan(10_000);
      for (const phone of [...numbers, ...dnc]) expect(bytes).not.toContain(phone);
    }
  });

  it('the robot-call platform got the whole numbers; list responses show them masked; the export in full', async () => {
    const store = h.simulator.app.get(CampaignStore);
    const dialled = store.list().flatMap((c) => c.contacts.map((contact) => contact.phone));
    // Every number at least once (unanswered ones twice), never the do-not-call ones.
    expect([...new Set(dialled)].sort()).toEqual(numbers.map((n) => `+86${n}`).sort());

    const listed = bodyOf<ContactPageResponse>(
      await h.http().get(`/v1/tasks/${taskId}/contacts?pageSize=100`).set(me).expect(200),
    ).items;
    expect(listed).toHaveLength(numbers.length + dnc.length);
    for (const c of listed) expect(c.phone).toMatch(/^\+86136\*{4}\d{4}$/);
    expect(listed.filter((c) => c.skipReason === 'do_not_call')).toHaveLength(dnc.length);

    const csv = (await h.http().get(`/v1/tasks/${taskId}/contacts.csv`).set(me).expect(200)).text;
    for (const phone of [...numbers, ...dnc]) expect(csv).toContain(`+86${phone}`);
  });

  it('finds duplicates on the keyed hash: a number already in the task is refused however it is written', async () => {
    const [first, second] = mobiles(2, 5151, '136');
    const other = await createTask(h, FIRM, 1, { contacts: [{ phone: first }], callWindow: ALWAYS });
    const res = typed<AddContactsResponse>(
      await h
        .http()
        .post(`/v1/tasks/${other}/contacts`)
        .set(me)
        .send({
          contacts: [{ phone: `+86 ${first.slice(0, 3)} ${first.slice(3, 7)} ${first.slice(7)}` }, { phone: second }],
        })
        .expect(201),
    );
    expect(res.body.added).toBe(1);
    expect(res.body.rejected).toEqual([
      {
        index: 0,
        phone: `+86${first.slice(0, 3)}****${first.slice(-4)}`,
        candidateRef: null,
        reason: 'already_in_task',
      },
    ]);
  });

  it('rotates keys: rows resealed under another key read the same, and a second run has nothing to do', async () => {
    const ds = h.api.get(DataSource);
    // A webhook's signing secret is sealed with the same keys, and rotated with the numbers.
    const { secret: replaced, id: webhookId } = bodyOf<RegisteredWebhookResponse>(
      await h.http().post('/v1/admin/webhooks').set(asAdmin()).send({ url: 'http://127.0.0.1:9/hooks' }).expect(201),
    );
    // Rotated: the secret it replaced signs on through the overlap, sealed the same way, and rekeyed with the rest.
    const { secret } = bodyOf<RegisteredWebhookResponse>(
      await h.http().post(`/v1/admin/webhooks/${webhookId}/rotate-secret`).set(asAdmin()).expect(200),
    );
    const before = (await h.http().get(`/v1/tasks/${taskId}/contacts.csv`).set(me).expect(200)).text;
    const rows = Number((await ds.query<DbRow[]>('SELECT COUNT(*) AS n FROM ai_visitor_list'))[0].n);
    const registry = Number((await ds.query<DbRow[]>('SELECT COUNT(*) AS n FROM ai_visitor_firm_phone'))[0].n);

    const toK0 = new PhoneVault(
      phoneKeysFromEnv({ ...TEST_PHONE_KEYS, DATABASE_URL: 'mysql://x/y', PHONE_ENCRYPTION_KEY_ID: 'k0' }),
    );
    const report = await rekeyPhones(ds, toK0, 7); // a small batch: several pages
    const [{ n: said }] = await ds.query<{ n: number }[]>('SELECT COUNT(*) AS n FROM call_conversation');
    expect(Number(said)).toBeGreaterThan(0); // every connected call of the simulator says something
    expect(report.resealed).toEqual({
      ai_visitor_list: rows,
      ai_visitor_firm_phone: registry,
      ai_visitor_webhook: 1,
      'ai_visitor_webhook.previous_secret': 1,
      // Each conversation sealed as one value (its fields together); the per-field columns hold none written now.
      'call_conversation.conversation': Number(said),
      'call_conversation.summary': 0,
      'call_conversation.transcript': 0,
      'call_conversation.recording_url': 0,
    });
    expect(await ds.query("SELECT phone_key_id FROM ai_visitor_list WHERE phone_key_id <> 'k0'")).toEqual([]);
    const [hook] = await ds.query<
      { secret_enc: string; secret_key_id: string; previous_secret_enc: string; previous_secret_key_id: string }[]
    >(
      'SELECT secret_enc, secret_key_id, previous_secret_enc, previous_secret_key_id FROM ai_visitor_webhook WHERE id = ?',
      [webhookId],
    );
    expect([hook.secret_key_id, hook.previous_secret_key_id]).toEqual(['k0', 'k0']);
    expect(h.api.get(PhoneVault).open({ enc: hook.secret_enc, keyId: hook.secret_key_id })).toBe(secret);
    expect(h.api.get(PhoneVault).open({ enc: hook.previous_secret_enc, keyId: hook.previous_secret_key_id })).toBe(
      replaced,
    );
    // The running service (k1 active, k0 still listed) reads them the same.
    expect((await h.http().get(`/v1/tasks/${taskId}/contacts.csv`).set(me).expect(200)).text).toBe(before);
    expect((await rekeyPhones(ds, toK0)).resealed).toEqual({
      ai_visitor_list: 0,
      ai_visitor_firm_phone: 0,
      ai_visitor_webhook: 0,
      'ai_visitor_webhook.previous_secret': 0,
      'call_conversation.conversation': 0,
      'call_conversation.summary': 0,
      'call_conversation.transcript': 0,
      'call_conversation.recording_url': 0,
    });

    // A service that no longer lists k0 could not read them: back to k1 before anyone drops it.
    const back = await rekeyPhones(ds, h.api.get(PhoneVault));
    expect(back.resealed.ai_visitor_list).toBe(rows);
    expect((await h.http().get(`/v1/tasks/${taskId}/contacts.csv`).set(me).expect(200)).text).toBe(before);
  });
});

describe('PhoneEncryption migration', () => {
  it('seals the numbers an older schema held in clear, keyed by hash, and drops the clear columns', async () => {
    const db = await createTestDatabase({ migrate: false });
    const keys = { ...TEST_PHONE_KEYS, DATABASE_URL: db.env.DATABASE_URL };
    const saved = { ...process.env };
    Object.assign(process.env, keys);
    const older = new DataSource({
      ...buildDataSourceOptions(db.settings),
      migrations: [
        InitialSchema1764300000000,
        OutreachPolicies1764400000000,
        SyncLeases1764500000000,
        StatsCoveringIndex1764600000000,
      ],
    });
    try {
      await older.initialize();
      await older.runMigrations({ transaction: 'each' });
      await older.query(
        "INSERT INTO ai_visitor_task (firm_id, account_id, name, script_id, status, batch_size, max_attempts, retry_gap_minutes) VALUES (1, 1, 't', 's', 1, 10, 2, 0)",
      );
      const [{ id }] = await older.query<{ id: DbValue }[]>('SELECT id FROM ai_visitor_task');
      const clear = mobiles(1_205, 1, '137').map((n) => `+86${n}`); // more than one batch of the migration
      for (let i = 0; i < clear.length; i += 200) {
        const chunk = clear.slice(i, i + 200);
        await older.query(
          `INSERT INTO ai_visitor_list (task_id, phone, status, attempts, call_result, intension_result, duration_sec) VALUES ${chunk.map(() => '(?, ?, 1, 0, 0, 0, 0)').join(', ')}`,
          chunk.flatMap((phone) => [id, phone]),
        );
      }
      await older.query('INSERT INTO ai_visitor_firm_phone (firm_id, phone, do_not_call) VALUES (1, ?, 1), (1, ?, 0)', [
        clear[0],
        clear[1],
      ]);
      await older.destroy();

      const current = new DataSource({
        ...buildDataSourceOptions(db.settings),
        migrations: [PhoneEncryption1764700000000],
      });
      await current.initialize();
      try {
        // The older DataSource recorded its four; this one only knows the fifth, and applies it.
        expect((await current.runMigrations({ transaction: 'each' })).map((m) => m.name)).toEqual([
          'PhoneEncryption1764700000000',
        ]);
        const vault = new PhoneVault(phoneKeysFromEnv(keys));
        const rows = await current.query<{ phone_hash: string; phone_enc: string; phone_key_id: string }[]>(
          'SELECT phone_hash, phone_enc, phone_key_id FROM ai_visitor_list ORDER BY id',
        );
        expect(rows.map((r) => vault.open({ enc: r.phone_enc, keyId: r.phone_key_id }))).toEqual(clear);
        expect(rows.map((r) => r.phone_hash)).toEqual(clear.map((p) => vault.hash(p)));
        const registry = await current.query<{ phone_hash: string; do_not_call: number }[]>(
          'SELECT phone_hash, do_not_call FROM ai_visitor_firm_phone ORDER BY do_not_call DESC',
        );
        expect(registry.map((r) => [r.phone_hash, Number(r.do_not_call)])).toEqual([
          [vault.hash(clear[0]), 1],
          [vault.hash(clear[1]), 0],
        ]);
        expect(await failureOf(current.query('SELECT phone FROM ai_visitor_list'))).toMatch(/phone/);
        expect(await failureOf(current.query('SELECT phone FROM ai_visitor_firm_phone'))).toMatch(/phone/);
        expect(await everythingStored(current)).not.toContain(clear[0].slice(3));
        // The unique key now holds on the hash: the same number cannot be in one task twice.
        const sealed = vault.seal(clear[0]);
        expect(
          await failureOf(
            current.query(
              'INSERT INTO ai_visitor_list (task_id, phone_hash, phone_enc, phone_key_id, status, attempts, call_result, intension_result, duration_sec) VALUES (?, ?, ?, ?, 1, 0, 0, 0, 0)',
              [id, sealed.hash, sealed.enc, sealed.keyId],
            ),
          ),
        ).toMatch(/UNIQUE|Duplicate/i);
      } finally {
        await current.destroy();
      }
    } finally {
      process.env = saved;
      if (older.isInitialized) await older.destroy();
      await db.drop();
    }
  });
});
