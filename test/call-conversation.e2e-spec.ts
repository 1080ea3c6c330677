import axios from 'axios';
import { DataSource } from 'typeorm';
import { EventView, ListEvents } from '@app/events';
import { asAccount, CALLBACK_SECRET, Harness, SIMULATOR_KEY, signedPushHeaders, startHarness } from './support/harness';
import { contacts, createTask, grantBot, syncUntil } from './support/factories';

const FIRM = 7801;
const me = asAccount(FIRM, 1);
const RECORDING = /^https:\/\/recordings\.robot-call\.invalid\/r\/[0-9a-f]{8}-\d+\.mp3$/;

/**
 * The conversation a call record may carry (recording URL, transcript, summary) reaches the `contact.called`
 * event, whether the record was polled or pushed: one decoder, one ingest. It is stored too, sealed, beside the
 * record (test/call-history.e2e-spec.ts follows it there).
 */
describe('call conversation in contact.called', () => {
  let h: Harness;

  beforeAll(async () => {
    // Every call connects, and every connected call's record carries its conversation.
    h = await startHarness({
      simulator: { callMs: 5, connectRate: 1, conversationRate: 1, intentionMix: { 0: 0, 1: 1, 2: 0, 3: 0, 4: 0 } },
    });
    await h.api.listen(0, '127.0.0.1');
    await grantBot(h, FIRM);
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

  const simulatorPush = (url: string) =>
    axios.put(
      `${h.simulator.baseUrl}/_simulator/push`,
      { url, secret: CALLBACK_SECRET },
      { headers: { Authorization: `Bearer ${SIMULATOR_KEY}` } },
    );

  it('a polled connected record gives its recording URL, transcript and summary to the event', async () => {
    const taskId = await createTask(h, FIRM, 1, { contacts: contacts(4, 100), maxAttempts: 1 });
    await h.http().post(`/v1/tasks/${taskId}/start`).set(me).expect(200);
    await syncUntil(h, FIRM, 1, taskId, 5);

    const events = await calledEvents(taskId);
    expect(events).toHaveLength(4);
    for (const e of events) {
      expect(e.data).toMatchObject({
        callResult: 1,
        recordingUrl: expect.stringMatching(RECORDING),
        transcript: expect.stringContaining('候选人：'),
      });
      expect(typeof e.data.summary).toBe('string');
    }
    // candidate.interested carries the same data.
    const interested = (
      await h.api.get(ListEvents).execute({ firmId: String(FIRM), taskId, types: ['candidate.interested'], limit: 10 })
    ).items;
    expect(interested.map((e) => e.data.recordingUrl)).toEqual(events.map((e) => e.data.recordingUrl));
  });

  it('a pushed connected record gives them to the event as well, with no sync pass', async () => {
    const callbackUrl = `${await h.api.getUrl()}/v1/callbacks/robot-call`.replace('[::1]', '127.0.0.1');
    await simulatorPush(callbackUrl);
    try {
      const taskId = await createTask(h, FIRM, 1, { contacts: contacts(3, 200), maxAttempts: 1 });
      await h.http().post(`/v1/tasks/${taskId}/start`).set(me).expect(200);
      let events: EventView[] = [];
      for (let i = 0; i < 100 && events.length < 3; i++) {
        await new Promise((r) => setTimeout(r, 50));
        events = await calledEvents(taskId);
      }
      expect(events).toHaveLength(3);
      for (const e of events)
        expect(e.data).toMatchObject({
          recordingUrl: expect.stringMatching(RECORDING),
          transcript: expect.any(String),
          summary: expect.any(String),
        });
    } finally {
      await simulatorPush('');
    }
  });

  it('a pushed record without them, or with values too large, is stored with them left out or cut', async () => {
    const taskId = await createTask(h, FIRM, 1, { contacts: contacts(2, 300), maxAttempts: 1 });
    const started = (await h.http().post(`/v1/tasks/${taskId}/start`).set(me).expect(200)).body;
    const listed = await h.http().get(`/v1/tasks/${taskId}/contacts`).set(me).expect(200);
    const ids = (listed.body as { items: { id: string }[] }).items.map((c) => c.id);
    const record = (recordId: string, ref: string, extra: Record<string, unknown> = {}) => ({
      record_id: recordId,
      ref,
      call_result: 1,
      fail_reason: null,
      intention: 0,
      duration_sec: 20,
      called_at: new Date().toISOString(),
      ...extra,
    });
    const body = JSON.stringify({
      campaign_id: started.activeCampaign.campaignId,
      records: [
        record('rec_conv_none', ids[0]),
        record('rec_conv_large', ids[1], {
          recording_url: `ftp://recordings.example.com/${ids[1]}.mp3`,
          transcript: '话'.repeat(20_005),
          summary: null,
        }),
      ],
    });
    await h.http().post('/v1/callbacks/robot-call').set(signedPushHeaders(body)).send(body).expect(200);

    const byRecord = new Map((await calledEvents(taskId)).map((e) => [e.data.recordId, e.data]));
    expect(byRecord.get('rec_conv_none')).toMatchObject({ recordingUrl: null, transcript: null, summary: null });
    expect(byRecord.get('rec_conv_large')).toMatchObject({
      recordingUrl: null,
      transcript: '话'.repeat(20_000),
      summary: null,
    });
    // Stored as cut, beside the record (the longest transcript sealed: MEDIUMTEXT on MySQL/MariaDB); a record
    // without a conversation has no row, and its history says so. (The simulator's own calls may be there too.)
    type Said = { recordId: string; recordingUrl: string | null; transcript: string | null; summary: string | null };
    const call = async (contactId: string, recordId: string) => {
      const res = await h.http().get(`/v1/tasks/${taskId}/contacts/${contactId}/calls`).set(me).expect(200);
      return (res.body as { items: Said[] }).items.find((c) => c.recordId === recordId);
    };
    const large = await call(ids[1], 'rec_conv_large');
    expect({ ...large, transcript: large?.transcript === '话'.repeat(20_000) }).toMatchObject({
      recordingUrl: null,
      transcript: true,
      summary: null,
    });
    expect(await call(ids[0], 'rec_conv_none')).toMatchObject({
      recordingUrl: null,
      transcript: null,
      summary: null,
    });
    const stored = await h.api
      .get(DataSource)
      .query<{ record_id: string }[]>(
        'SELECT r.record_id FROM call_conversation v JOIN ai_visitor_call_record r ON r.id = v.call_record_id WHERE r.record_id IN (?, ?)',
        ['rec_conv_none', 'rec_conv_large'],
      );
    expect(stored).toEqual([{ record_id: 'rec_conv_large' }]);
    const metrics = (await h.http().get('/metrics').expect(200)).text;
    expect(metrics).toMatch(/aiv_ingest_unfit_values_total\{[^}]*field="transcript"[^}]*action="cut"[^}]*\} 1/);
    expect(metrics).toMatch(/aiv_ingest_unfit_values_total\{[^}]*field="recording_url"[^}]*action="dropped"[^}]*\} 1/);
  });

  it('refuses a pushed conversation field that is not a string', async () => {
    const body = JSON.stringify({
      campaign_id: 'cmp_000001',
      records: [
        {
          record_id: 'r1',
          ref: '1',
          call_result: 1,
          fail_reason: null,
          intention: 1,
          duration_sec: 5,
          called_at: new Date().toISOString(),
          transcript: 42,
        },
      ],
    });
    const { body: answer } = await h
      .http()
      .post('/v1/callbacks/robot-call')
      .set(signedPushHeaders(body))
      .send(body)
      .expect(400);
    expect(answer.code).toBe('VALIDATION_FAILED');
  });
});
