import { RunningSimulator, startSimulator } from '../start-simulator';
import { SimulatorHttp, testContacts } from '../test/simulator-http';

describe('robot-call contract (simulator over HTTP)', () => {
  let simulator: RunningSimulator;
  let sut: SimulatorHttp;

  beforeAll(async () => {
    // Slow calls: campaigns stay running while transitions are checked.
    simulator = await startSimulator({ apiKey: 'spec-key', callMs: 60_000, parallelism: 1 });
    sut = SimulatorHttp.of(simulator);
  });

  afterAll(() => simulator.close());

  beforeEach(() => sut.reset());

  describe('add', () => {
    it('creates a campaign in status 0', async () => {
      const answer = await sut.add('req-1', testContacts(3));

      expect(answer).toEqual({
        status: 200,
        code: 0,
        message: 'ok',
        data: {
          campaign_id: expect.stringMatching(/^cmp_\d{6}$/) as unknown,
          status: 0,
          contact_count: 3,
          created: true,
        },
      });
    });

    it('returns the same campaign for a repeated request_id without creating another', async () => {
      const first = await sut.add('req-1', testContacts(3));
      const second = await sut.add('req-1', testContacts(3));

      expect(second.data).toEqual({ ...first.data, created: false });
      expect(await sut.campaigns()).toHaveLength(1);
    });

    it('answers 42200 when a request_id is reused with another script or other refs', async () => {
      await sut.add('req-1', testContacts(3));

      const otherScript = await sut.add('req-1', testContacts(3), { script_id: 'script-2' });
      const otherRefs = await sut.add('req-1', testContacts(3, 'x'));

      for (const answer of [otherScript, otherRefs]) {
        expect(answer).toMatchObject({ status: 422, code: 42200, data: null });
      }
      expect(await sut.campaigns()).toHaveLength(1);
    });

    it('treats another campaign name as the same payload', async () => {
      await sut.add('req-1', testContacts(3));

      const renamed = await sut.add('req-1', testContacts(3), { name: 'renamed' });

      expect(renamed.data.created).toBe(false);
    });

    it.each([
      ['no request_id', { request_id: undefined }, 'request_id'],
      ['a request_id over 64 chars', { request_id: 'r'.repeat(65) }, 'request_id'],
      ['no script_id', { script_id: undefined }, 'script_id'],
      ['no contacts', { contacts: [] }, 'contacts'],
      ['a phone not in E.164', { contacts: [{ ref: 'a', phone: '13800138000' }] }, 'contacts.0.phone'],
      [
        'duplicate refs',
        {
          contacts: [
            { ref: 'a', phone: '+8613800138000' },
            { ref: 'a', phone: '+8613800138001' },
          ],
        },
        'contacts.1.ref',
      ],
    ])('answers 40000 naming the field for %s, without echoing phones', async (_case, patch, field) => {
      const body = { request_id: 'req-1', name: 'n', script_id: 's', contacts: testContacts(2), ...patch };

      const answer = await sut.post('/robot_call_campaign_add', body);

      expect(answer).toMatchObject({ status: 400, code: 40000, data: null });
      expect(answer.message).toContain(field);
      expect(answer.message).not.toMatch(/\d{7,}/);
      expect(await sut.campaigns()).toHaveLength(0);
    });

    it('answers 40000 for a body that is not JSON', async () => {
      const response = await fetch(`${sut.baseUrl}/robot_call_campaign_add`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: 'Bearer spec-key' },
        body: '{"request_id":',
      });

      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ code: 40000 });
    });
  });

  describe('authentication', () => {
    it.each([
      ['a missing', null],
      ['a wrong', 'not-the-key'],
    ])('answers 401 / 40100 to %s API key, on contract and _simulator routes', async (_case, apiKey) => {
      const add = await sut.post('/robot_call_campaign_add', { request_id: 'r' }, { apiKey });
      const truth = await sut.get('/_simulator/campaigns', { apiKey });

      for (const answer of [add, truth]) expect(answer).toMatchObject({ status: 401, code: 40100, data: null });
    });
  });

  describe('unknown campaigns', () => {
    it('answers 40400 to detail and change_status', async () => {
      const detail = await sut.detail('cmp_999999');
      const change = await sut.changeStatus('cmp_999999', 'start');

      for (const answer of [detail, change]) expect(answer).toMatchObject({ status: 404, code: 40400 });
    });
  });

  describe('change_status', () => {
    let campaignId: string;

    beforeEach(async () => {
      campaignId = (await sut.add('req-t', testContacts(3))).data.campaign_id;
    });

    const expectStatus = async (action: string, status: number) =>
      expect((await sut.changeStatus(campaignId, action)).data).toEqual({ campaign_id: campaignId, status });

    const expectRefused = async (action: string) =>
      expect(await sut.changeStatus(campaignId, action)).toMatchObject({ status: 409, code: 40900, data: null });

    it('follows the README transitions, repeats being no-op successes', async () => {
      await expectRefused('pause');
      await expectStatus('start', 1);
      await expectStatus('start', 1);
      await expectStatus('pause', 2);
      await expectStatus('pause', 2);
      await expectStatus('start', 1);
      await expectStatus('stop', 3);
      await expectStatus('stop', 3);
      await expectRefused('start');
      await expectRefused('pause');
    });

    it('stops a campaign that never started', async () => {
      await expectStatus('stop', 3);
    });

    it('answers 40000 to an unknown action', async () => {
      expect(await sut.changeStatus(campaignId, 'restart')).toMatchObject({ status: 400, code: 40000 });
    });
  });

  describe('detail', () => {
    it.each([
      ['limit 0', { limit: 0 }],
      ['limit 1001', { limit: 1001 }],
      ['a cursor that is not an offset', { cursor: 'abc' }],
      ['a cursor beyond the records', { cursor: '5' }],
    ])('answers 40000 to %s', async (_case, patch) => {
      const campaignId = (await sut.add('req-d', testContacts(3))).data.campaign_id;

      const answer = await sut.post('/robot_call_campaign_detail', { campaign_id: campaignId, ...patch });

      expect(answer).toMatchObject({ status: 400, code: 40000 });
    });

    it('reads an undialled campaign as an empty page whose cursor resumes at the start', async () => {
      const campaignId = (await sut.add('req-d', testContacts(3))).data.campaign_id;

      const answer = await sut.detail(campaignId);

      expect(answer.data).toEqual({
        campaign_id: campaignId,
        status: 0,
        contact_count: 3,
        dialled_count: 0,
        records: [],
        next_cursor: '0',
        has_more: false,
      });
    });
  });
});
