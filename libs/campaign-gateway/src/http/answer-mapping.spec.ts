import { RobotCallUnavailableError } from '../errors/robot-call-errors';
import { gatewayFor, GatewayUnderTest } from '../test/gateway-module';
import { ScriptedReply, ScriptedServer, startScriptedServer } from '../test/scripted-server';
import { rejectionOf } from '../test/rejection-of';

/** Answers a real platform might give that the simulator does not, served over real HTTP. */
describe('CampaignGatewayClient answer mapping', () => {
  const PHONE = '+8613800138000';
  let server: ScriptedServer;
  let gateway: GatewayUnderTest;

  async function serve(script: (n: number) => ScriptedReply, retries = 2): Promise<void> {
    server = await startScriptedServer(script);
    gateway = await gatewayFor(server.baseUrl, { retries });
  }

  afterEach(async () => {
    await gateway?.close();
    await server?.close();
  });

  const ok = { status: 200, body: { code: 0, message: 'ok', data: { campaign_id: 'cmp_1', status: 1 } } };
  const change = () => gateway.client.changeCampaignStatus('cmp_1', 'start');

  it('sends the API key and the snake_case body to {baseUrl}/{call}', async () => {
    await serve(() => ok);

    await gateway.client.getCampaignDetail({ campaignId: 'cmp_1', limit: 10 }).catch(() => undefined);

    expect(server.requests).toEqual([
      { path: '/robot_call_campaign_detail', body: { campaign_id: 'cmp_1', cursor: null, limit: 10 } },
    ]);
  });

  it('retries an HTTP 200 that carries a 5xxxx code', async () => {
    await serve((n) => (n === 1 ? { status: 200, body: { code: 50300, message: 'busy', data: null } } : ok));

    await expect(change()).resolves.toEqual({ campaignId: 'cmp_1', status: 1 });
    expect(server.requests).toHaveLength(2);
  });

  it('trusts a 4xxxx envelope over an HTTP 5xx status: no retry', async () => {
    await serve(() => ({ status: 500, body: { code: 40900, message: 'finished', data: null } }));

    await expect(change()).rejects.toMatchObject({ remoteCode: 40900 });
    expect(server.requests).toHaveLength(1);
  });

  it('retries a 5xx without an envelope (a proxy error page), then raises Unavailable', async () => {
    await serve(() => ({ status: 502, raw: '<html>Bad Gateway</html>' }));

    await expect(change()).rejects.toMatchObject({
      code: 'ROBOT_CALL_UNAVAILABLE',
      details: { httpStatus: 502, attempts: 3 },
    });
    expect(server.requests).toHaveLength(3);
  });

  it('retries a connection reset', async () => {
    await serve((n) => (n === 1 ? 'destroy' : ok));

    await expect(change()).resolves.toMatchObject({ status: 1 });
    expect(server.requests).toHaveLength(2);
  });

  it('raises Unavailable, without retrying, for code 0 without data', async () => {
    await serve(() => ({ status: 200, body: { code: 0, message: 'ok' } }));

    await expect(change()).rejects.toBeInstanceOf(RobotCallUnavailableError);
    expect(server.requests).toHaveLength(1);
  });

  it('raises Unavailable for data of the wrong shape, naming the field but not its value', async () => {
    const record = {
      record_id: 'r1',
      ref: 'a',
      call_result: 1,
      fail_reason: null,
      intention: 9,
      duration_sec: 3,
      called_at: PHONE,
    };
    const data = {
      campaign_id: 'c',
      status: 1,
      contact_count: 1,
      dialled_count: 1,
      records: [record],
      next_cursor: '1',
      has_more: false,
    };
    await serve(() => ({ status: 200, body: { code: 0, message: 'ok', data } }));

    const error = await rejectionOf(gateway.client.getCampaignDetail({ campaignId: 'c' }));

    expect(error).toBeInstanceOf(RobotCallUnavailableError);
    expect(error.message).toContain('intention');
  });

  it('refuses a campaign id longer than the contract allows (the caller stores it whole), naming the field', async () => {
    const data = { campaign_id: `cmp_${'9'.repeat(61)}`, status: 0, contact_count: 1, created: true };
    await serve(() => ({ status: 200, body: { code: 0, message: 'ok', data } }));

    const error = await rejectionOf(
      gateway.client.addCampaign({ requestId: 'r', name: 'n', scriptId: 's', contacts: [{ ref: '1', phone: PHONE }] }),
    );

    expect(error).toBeInstanceOf(RobotCallUnavailableError);
    expect(error.message).toContain('campaign_id is not 1 to 64 characters long');
  });

  it.each([
    ['absent', {}],
    ['null', { next_cursor: null }],
    ['empty', { next_cursor: '' }],
  ])(
    'reads a next_cursor %s as no cursor, and passes record values through as sent (fitting them is the caller’s)',
    async (_, cursor) => {
      const record = {
        record_id: 'r'.repeat(80),
        ref: '1',
        call_result: 2,
        fail_reason: 'x'.repeat(40),
        intention: 0,
        duration_sec: 0,
        called_at: '2026-11-28T02:03:04.000Z',
      };
      const data = {
        campaign_id: 'c',
        status: 1,
        contact_count: 1,
        dialled_count: 1,
        records: [record],
        has_more: true,
        ...cursor,
      };
      await serve(() => ({ status: 200, body: { code: 0, message: 'ok', data } }));

      const page = await gateway.client.getCampaignDetail({ campaignId: 'c' });

      expect(page).toMatchObject({
        nextCursor: null,
        hasMore: true,
        records: [{ recordId: 'r'.repeat(80), failReason: 'x'.repeat(40) }],
      });
    },
  );

  it('raises Unavailable for a 4xx without an envelope, without retrying', async () => {
    await serve(() => ({ status: 404, raw: 'Not Found' }));

    await expect(change()).rejects.toMatchObject({ code: 'ROBOT_CALL_UNAVAILABLE', details: { httpStatus: 404 } });
    expect(server.requests).toHaveLength(1);
  });

  it('masks phone numbers the platform echoes in refusals and failures', async () => {
    await serve(
      (n) =>
        n === 1
          ? { status: 400, body: { code: 40000, message: `phone ${PHONE} is blacklisted`, data: null } }
          : { status: 500, body: { code: 50000, message: `dialler crashed on 13800138000`, data: null } },
      0,
    );

    const refused = await rejectionOf(change());
    const failed = await rejectionOf(change());

    for (const error of [refused, failed]) {
      const visible = JSON.stringify({ message: error.message, details: error.details, stack: error.stack });
      expect(visible).not.toContain('13800138000');
      expect(visible).toContain('8000');
    }
    expect(refused).toMatchObject({ remoteCode: 40000 });
  });
});
