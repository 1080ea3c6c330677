import { DataSource } from 'typeorm';
import { PhoneVault, phoneKeysFromEnv } from '@app/core';
import { rekeyPhones } from '@app/database';
import { EventView, ListEvents } from '@app/events';
import { asAccount, Harness, signedPushHeaders, startHarness } from './support/harness';
import { contacts, createTask, grantBot, syncUntil } from './support/factories';
import { TEST_PHONE_KEYS } from './support/phone-keys';
import { CampaignStore } from '../apps/robot-call-simulator/src/campaigns/campaign-store.service';
import { recordView } from '../apps/robot-call-simulator/src/contract/wire-views';
import { bodyOf } from './support/api-types';

const FIRM = 7811;
const me = asAccount(FIRM, 1);
const COMPLETED = 5;

interface Call {
  recordId: string;
  callResult: number;
  intention: number;
  durationSec: number;
  calledAt: string;
  failReason: string | null;
  summary: string | null;
  transcript: string | null;
  recordingUrl: string | null;
}

interface ConversationRow {
  call_record_id: string | number;
  task_id: string | number;
  contact_id: string | number;
  called_at: unknown;
  summary_enc: string | null;
  summary_key_id: string | null;
  transcript_enc: string | null;
  transcript_key_id: string | null;
  recording_url_enc: string | null;
  recording_url_key_id: string | null;
  conversation_enc: string | null;
  conversation_key_id: string | null;
}

interface ListedContact {
  id: string;
  lastSummary: string | null;
}

/** A code of an error answer. */
const codeOf = (res: { body: unknown }): string => bodyOf<{ code: string }>(res).code;

/** RFC 4180, as the export writes it: quoted cells may hold commas, quotes (doubled) and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += ch;
  }
  return rows;
}

/**
 * Issue 22, item 1: what the candidate said on each call (summary, transcript, recording link), polled or pushed,
 * is stored sealed beside the call record; the call history shows every attempt newest first with it, the contact
 * list and the CSV show the last call's summary, and the key rotation reseals it.
 */
describe('call history with the conversation', () => {
  let h: Harness;
  let ds: DataSource;

  beforeAll(async () => {
    // Half the calls fail (retried up to 3 attempts), every connected one carries its conversation.
    h = await startHarness({ simulator: { callMs: 5, connectRate: 0.5, conversationRate: 1 } });
    await h.api.listen(0, '127.0.0.1');
    await grantBot(h, FIRM);
    ds = h.api.get(DataSource);
  });

  afterAll(async () => {
    await h.close();
  });

  async function calledEvents(taskId: string): Promise<EventView[]> {
    const page = await h.api
      .get(ListEvents)
      .execute({ firmId: String(FIRM), taskId, types: ['contact.called'], limit: 1000 });
    return page.items;
  }

  const history = async (taskId: string, contactId: string) =>
    bodyOf<{ contactId: string; items: Call[] }>(
      await h.http().get(`/v1/tasks/${taskId}/contacts/${contactId}/calls`).set(me).expect(200),
    );
  const listed = async (taskId: string, query = '') =>
    bodyOf<{ items: ListedContact[] }>(await h.http().get(`/v1/tasks/${taskId}/contacts${query}`).set(me).expect(200))
      .items;
  const rowsOf = <T>(sql: string, params: unknown[] = []): Promise<T[]> => ds.query<T[]>(sql, params);

  const conversationRows = (taskId: string) =>
    rowsOf<ConversationRow>('SELECT * FROM call_conversation WHERE task_id = ? ORDER BY call_record_id', [taskId]);

  async function push(campaignId: string, records: Record<string, unknown>[]): Promise<void> {
    const body = JSON.stringify({ campaign_id: campaignId, records });
    await h.http().post('/v1/callbacks/robot-call').set(signedPushHeaders(body)).send(body).expect(200);
  }

  const record = (recordId: string, ref: string, calledAt: Date, extra: Record<string, unknown> = {}) => ({
    record_id: recordId,
    ref,
    call_result: 1,
    fail_reason: null,
    intention: 1,
    duration_sec: 30,
    called_at: calledAt.toISOString(),
    ...extra,
  });

  it('stores each polled call conversation sealed, and the history shows every attempt newest first with it', async () => {
    const taskId = await createTask(h, FIRM, 1, { contacts: contacts(12, 100), maxAttempts: 3 });
    await h.http().post(`/v1/tasks/${taskId}/start`).set(me).expect(200);
    await syncUntil(h, FIRM, 1, taskId, COMPLETED);

    const events = await calledEvents(taskId);
    const connected = events.filter((e) => e.data.callResult === 1);
    expect(connected.length).toBeGreaterThan(0);
    expect(events.length).toBeGreaterThan(connected.length); // some failed attempts too: histories of several calls

    // At rest: one row per connected call, its fields sealed together (no plaintext, a key id beside it).
    const rows = await conversationRows(taskId);
    expect(rows).toHaveLength(connected.length);
    const raw = JSON.stringify(rows);
    for (const e of connected) {
      for (const said of [e.data.summary, e.data.transcript, e.data.recordingUrl] as string[]) {
        expect(said).toEqual(expect.any(String));
        expect(raw).not.toContain(said);
      }
    }
    expect(raw).not.toContain('候选人');
    expect(raw).not.toContain('recordings.robot-call');
    for (const row of rows) {
      expect(row.conversation_key_id).toBe('k1');
      expect(row.conversation_enc).toMatch(/^[A-Za-z0-9+/]+=*$/);
      // The per-field columns hold only conversations stored before the fields were sealed together.
      expect([row.summary_enc, row.transcript_enc, row.recording_url_enc]).toEqual([null, null, null]);
    }
    // The call-record table holds no conversation column: it stays narrow.
    const [recordRow] = await rowsOf<Record<string, unknown>>(
      'SELECT * FROM ai_visitor_call_record WHERE task_id = ? LIMIT 1',
      [taskId],
    );
    expect(Object.keys(recordRow).sort()).toEqual(
      [
        'call_result',
        'call_task_id',
        'called_at',
        'contact_id',
        'created_at',
        'duration_sec',
        'fail_reason',
        'id',
        'intension_result',
        'record_id',
        'task_id',
      ].sort(),
    );

    // Each contact's history is its contact.called events, newest first, with what the platform said.
    const byContact = new Map<string, EventView[]>();
    for (const e of events)
      byContact.set(String(e.data.contactId), [...(byContact.get(String(e.data.contactId)) ?? []), e]);
    const list = await listed(taskId, '?pageSize=100');
    const platform = new Map(
      h.simulator.app
        .get(CampaignStore)
        .list()
        .flatMap((c) => c.records.map(recordView))
        .map((r) => [r.record_id, r as { summary?: string; transcript?: string; recording_url?: string }]),
    );
    expect(list).toHaveLength(12);
    let several = 0;
    for (const contact of list) {
      const calls = await history(taskId, contact.id);
      const expected = [...(byContact.get(contact.id) ?? [])]
        .sort(
          (a, b) =>
            Date.parse(String(b.data.calledAt)) - Date.parse(String(a.data.calledAt)) ||
            Number(b.data.attempt) - Number(a.data.attempt),
        )
        .map((e) => ({
          recordId: e.data.recordId,
          callResult: e.data.callResult,
          intention: e.data.intention,
          durationSec: e.data.durationSec,
          calledAt: e.data.calledAt,
          failReason: e.data.failReason,
          summary: e.data.summary,
          transcript: e.data.transcript,
          recordingUrl: e.data.recordingUrl,
        }));
      expect(calls).toEqual({ contactId: contact.id, erased: false, items: expected });
      // …and what the platform said, as its own records have it (not only as the events show it).
      for (const call of calls.items) {
        const made = platform.get(call.recordId);
        expect(made).toBeDefined();
        expect([call.summary, call.transcript, call.recordingUrl]).toEqual([
          made?.summary ?? null,
          made?.transcript ?? null,
          made?.recording_url ?? null,
        ]);
      }
      if (calls.items.length > 1) several++;
      for (let i = 1; i < calls.items.length; i++)
        expect(Date.parse(calls.items[i - 1].calledAt)).toBeGreaterThanOrEqual(Date.parse(calls.items[i].calledAt));
      // The list shows the last call's summary: null when that call failed.
      expect(contact.lastSummary).toBe(calls.items[0]?.summary ?? null);
    }
    expect(several).toBeGreaterThan(0);

    // The CSV's last column is the same summary, contact by contact.
    const csv = (await h.http().get(`/v1/tasks/${taskId}/contacts.csv`).set(me).expect(200)).text;
    const [header, ...lines] = parseCsv(csv.replace(/^\ufeff/, ''));
    expect(header[header.length - 1]).toBe('last_summary');
    expect(lines.map((l) => l[l.length - 1])).toEqual(list.map((c) => c.lastSummary ?? ''));
    expect(lines.some((l) => l[l.length - 1] !== '')).toBe(true);
  });

  it('stores pushed conversations too; a re-delivered record neither doubles nor loses what was said', async () => {
    const taskId = await createTask(h, FIRM, 1, { contacts: contacts(3, 200), maxAttempts: 3 });
    const started = bodyOf<{ activeCampaign: { campaignId: string } }>(
      await h.http().post(`/v1/tasks/${taskId}/start`).set(me).expect(200),
    );
    const campaignId = started.activeCampaign.campaignId;
    const ids = (await listed(taskId)).map((c) => c.id);
    const hour = 3_600_000;
    const now = Date.now();
    // Pushed out of order: a connected call with only its summary, then the earlier failed attempt.
    await push(campaignId, [
      record(`rec_h_${taskId}_2`, ids[0], new Date(now - hour), {
        summary: 'Interested, call back on Saturday, asked for the salary range.',
        intention: 3,
      }),
    ]);
    await push(campaignId, [
      record(`rec_h_${taskId}_1`, ids[0], new Date(now - 2 * hour), {
        call_result: 2,
        fail_reason: 'no_answer',
        intention: 0,
        duration_sec: 0,
      }),
    ]);
    expect(await conversationRows(taskId)).toHaveLength(1);
    const sealedFirst = (await conversationRows(taskId))[0].conversation_enc;

    // Re-delivered (a retried push, then the same record polled with its transcript and a different summary):
    // the stored summary stays, the transcript and link it lacked are filled, nothing is doubled.
    const again = record(`rec_h_${taskId}_2`, ids[0], new Date(now - hour), {
      summary: 'Interested, call back on Saturday, asked for the salary range.',
      intention: 3,
    });
    await push(campaignId, [again]);
    await push(campaignId, [
      {
        ...again,
        summary: 'A second summary that must not replace the first',
        transcript: '机器人：您好。\n候选人：周六再打给我。',
        recording_url: 'https://recordings.example.com/r/2.mp3',
      },
    ]);
    const rows = await conversationRows(taskId);
    expect(rows).toHaveLength(1);
    // Rewritten whole with what it gained (sealed together, so one new ciphertext); what it held reads the same below.
    expect(rows[0].conversation_enc).not.toBe(sealedFirst);
    expect(rows[0].conversation_enc).not.toContain('候选人');
    const records = await rowsOf('SELECT record_id FROM ai_visitor_call_record WHERE task_id = ?', [taskId]);
    expect(records).toHaveLength(2);

    const calls = await history(taskId, ids[0]);
    expect(calls).toEqual({
      contactId: ids[0],
      erased: false,
      items: [
        {
          recordId: `rec_h_${taskId}_2`,
          callResult: 1,
          intention: 3,
          durationSec: 30,
          calledAt: new Date(now - hour).toISOString(),
          failReason: null,
          summary: 'Interested, call back on Saturday, asked for the salary range.',
          transcript: '机器人：您好。\n候选人：周六再打给我。',
          recordingUrl: 'https://recordings.example.com/r/2.mp3',
        },
        {
          recordId: `rec_h_${taskId}_1`,
          callResult: 2,
          intention: 0,
          durationSec: 0,
          calledAt: new Date(now - 2 * hour).toISOString(),
          failReason: 'no_answer',
          summary: null,
          transcript: null,
          recordingUrl: null,
        },
      ],
    });
    // The last call (by its time, not its arrival) gives the list and the CSV their summary; its comma is quoted.
    expect((await listed(taskId)).map((c) => c.lastSummary)).toEqual([
      'Interested, call back on Saturday, asked for the salary range.',
      null,
      null,
    ]);
    const csv = (await h.http().get(`/v1/tasks/${taskId}/contacts.csv`).set(me).expect(200)).text;
    expect(csv).toContain(',"Interested, call back on Saturday, asked for the salary range."\r\n');

    // A contact never called has an empty history.
    expect(await history(taskId, ids[2])).toEqual({ contactId: ids[2], erased: false, items: [] });
    await h.http().post(`/v1/tasks/${taskId}/cancel`).set(me).expect(200);
  });

  it('reads a conversation stored with each field sealed apart (before they were sealed together); a re-delivery adds to it together', async () => {
    const taskId = await createTask(h, FIRM, 1, { contacts: contacts(2, 300), maxAttempts: 3 });
    const started = bodyOf<{ activeCampaign: { campaignId: string } }>(
      await h.http().post(`/v1/tasks/${taskId}/start`).set(me).expect(200),
    );
    const campaignId = started.activeCampaign.campaignId;
    const ids = (await listed(taskId)).map((c) => c.id);
    const calledAt = new Date(Date.now() - 3_600_000);
    const first = record(`rec_apart_${taskId}`, ids[0], calledAt, {
      summary: 'Interested in the role, asked about the team.',
      transcript: '机器人：您好。\n候选人：可以聊聊。',
    });
    await push(campaignId, [first]);
    const before = await history(taskId, ids[0]);
    // As the rows stored before migration ConversationSealedTogether: each field sealed on its own, nothing together.
    const vault = h.api.get(PhoneVault);
    const summary = vault.sealText('Interested in the role, asked about the team.');
    const transcript = vault.sealText('机器人：您好。\n候选人：可以聊聊。');
    await ds.query(
      `UPDATE call_conversation SET summary_enc = ?, summary_key_id = ?, transcript_enc = ?, transcript_key_id = ?,
              conversation_enc = NULL, conversation_key_id = NULL WHERE task_id = ?`,
      [summary.enc, summary.keyId, transcript.enc, transcript.keyId, taskId],
    );
    expect(await history(taskId, ids[0])).toEqual(before);
    expect((await listed(taskId)).map((c) => c.lastSummary)).toEqual([
      'Interested in the role, asked about the team.',
      null,
    ]);

    // Re-delivered with a different summary and the link it lacked: the stored fields stay, the link is added, and
    // the row is rewritten sealed together.
    await push(campaignId, [
      {
        ...first,
        summary: 'A later summary that must not replace the first',
        recording_url: 'https://r.example.com/a.mp3',
      },
    ]);
    const rows = await conversationRows(taskId);
    expect(rows).toHaveLength(1);
    expect([rows[0].summary_enc, rows[0].transcript_enc, rows[0].recording_url_enc]).toEqual([null, null, null]);
    expect(rows[0].conversation_key_id).toBe('k1');
    expect((await history(taskId, ids[0])).items).toEqual([
      { ...before.items[0], recordingUrl: 'https://r.example.com/a.mp3' },
    ]);
    expect((await listed(taskId)).map((c) => c.lastSummary)).toEqual([
      'Interested in the role, asked about the team.',
      null,
    ]);
  });

  it("guards the history: another account's task, another firm's, a contact of another task, a malformed id", async () => {
    const taskId = await createTask(h, FIRM, 1, { contacts: contacts(1, 300) });
    const other = await createTask(h, FIRM, 1, { contacts: contacts(1, 301) });
    const [contact] = await listed(taskId);
    const [foreign] = await listed(other);
    const path = `/v1/tasks/${taskId}/contacts/${contact.id}/calls`;

    const colleague = await h.http().get(path).set(asAccount(FIRM, 2)).expect(403);
    expect(codeOf(colleague)).toBe('NOT_TASK_OWNER');
    const stranger = await h
      .http()
      .get(path)
      .set(asAccount(FIRM + 1, 1))
      .expect(404);
    expect(codeOf(stranger)).toBe('TASK_NOT_FOUND');
    const elsewhere = await h.http().get(`/v1/tasks/${taskId}/contacts/${foreign.id}/calls`).set(me).expect(404);
    expect(codeOf(elsewhere)).toBe('CONTACT_NOT_FOUND');
    const missing = await h.http().get(`/v1/tasks/${taskId}/contacts/999999999/calls`).set(me).expect(404);
    expect(codeOf(missing)).toBe('CONTACT_NOT_FOUND');
    const malformed = await h.http().get(`/v1/tasks/${taskId}/contacts/1x/calls`).set(me).expect(400);
    expect(malformed.body).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field: 'contactId' }] });
    // The owner is answered.
    expect(bodyOf(await h.http().get(path).set(me).expect(200))).toEqual({
      contactId: contact.id,
      erased: false,
      items: [],
    });
  });

  it('phones:rekey reseals the conversations with the numbers; they read the same', async () => {
    const rows = Number((await rowsOf<{ n: number | string }>('SELECT COUNT(*) AS n FROM call_conversation'))[0].n);
    const fields = await rowsOf<{ c: number | string; s: number | string; t: number | string; r: number | string }>(
      `SELECT SUM(CASE WHEN conversation_enc IS NULL THEN 0 ELSE 1 END) AS c,
              SUM(CASE WHEN summary_enc IS NULL THEN 0 ELSE 1 END) AS s,
              SUM(CASE WHEN transcript_enc IS NULL THEN 0 ELSE 1 END) AS t,
              SUM(CASE WHEN recording_url_enc IS NULL THEN 0 ELSE 1 END) AS r FROM call_conversation`,
    );
    expect(rows).toBeGreaterThan(0);
    expect(Number(fields[0].c)).toBeGreaterThan(0);
    const [{ task_id: taskId, contact_id: contactId }] = await rowsOf<{ task_id: string; contact_id: string }>(
      'SELECT task_id, contact_id FROM call_conversation WHERE conversation_enc IS NOT NULL ORDER BY call_record_id LIMIT 1',
    );
    const before = await history(String(taskId), String(contactId));
    const toK0 = new PhoneVault(
      phoneKeysFromEnv({ ...TEST_PHONE_KEYS, DATABASE_URL: 'mysql://x/y', PHONE_ENCRYPTION_KEY_ID: 'k0' }),
    );
    const report = await rekeyPhones(ds, toK0, 5);
    expect(report.resealed).toMatchObject({
      'call_conversation.conversation': Number(fields[0].c),
      'call_conversation.summary': Number(fields[0].s),
      'call_conversation.transcript': Number(fields[0].t),
      'call_conversation.recording_url': Number(fields[0].r),
    });
    const keys = await rowsOf<{ k: string }>(
      `SELECT DISTINCT conversation_key_id AS k FROM call_conversation WHERE conversation_key_id IS NOT NULL
       UNION SELECT DISTINCT summary_key_id FROM call_conversation WHERE summary_key_id IS NOT NULL
       UNION SELECT DISTINCT transcript_key_id FROM call_conversation WHERE transcript_key_id IS NOT NULL
       UNION SELECT DISTINCT recording_url_key_id FROM call_conversation WHERE recording_url_key_id IS NOT NULL`,
    );
    expect(keys.map((k) => k.k)).toEqual(['k0']);
    // The running service (k1 active, k0 still listed) reads them the same.
    expect(await history(String(taskId), String(contactId))).toEqual(before);
    const second = await rekeyPhones(ds, toK0);
    expect(second.resealed).toMatchObject({
      'call_conversation.conversation': 0,
      'call_conversation.summary': 0,
      'call_conversation.transcript': 0,
      'call_conversation.recording_url': 0,
    });
    // Back to k1 before anyone drops k0.
    expect((await rekeyPhones(ds, h.api.get(PhoneVault))).resealed['call_conversation.conversation']).toBe(
      Number(fields[0].c),
    );
    expect(await history(String(taskId), String(contactId))).toEqual(before);
  });
});
