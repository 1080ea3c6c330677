import { RunningSimulator, startSimulator } from '../../../../apps/robot-call-simulator/src';
import { SimulatorHttp, testContacts } from '../../../../apps/robot-call-simulator/src/test/simulator-http';
import { AddCampaignInput } from '../campaign-gateway.types';
import { RobotCallTimeoutError, RobotCallUnavailableError } from '../errors/robot-call-errors';
import { gatewayFor, GatewayUnderTest } from '../test/gateway-module';
import { rejectionOf } from '../test/rejection-of';

describe('CampaignGatewayClient retries against the simulator', () => {
  const RETRIES = 2;
  let simulator: RunningSimulator;
  let truth: SimulatorHttp;
  let gateway: GatewayUnderTest;

  beforeAll(async () => {
    simulator = await startSimulator({ apiKey: 'spec-key', callMs: 5 });
    truth = SimulatorHttp.of(simulator);
  });

  afterAll(() => simulator.close());

  beforeEach(async () => {
    await truth.reset();
    gateway = await gatewayFor(simulator.baseUrl, { retries: RETRIES, timeoutMs: 2000 });
  });

  afterEach(() => gateway.close());

  const input: AddCampaignInput = { requestId: 'req-r', name: 'n', scriptId: 's', contacts: testContacts(3) };

  /** Runs `action` at the start of the n-th attempt (1-based), before that attempt is sent. */
  function onAttempt(n: number, action: () => Promise<void>): void {
    let attempts = 0;
    gateway.axios.interceptors.request.use(async (config) => {
      if (++attempts === n) await action();
      return config;
    });
  }

  it('gives up with RobotCallUnavailableError after exactly retries + 1 attempts on 50000', async () => {
    await truth.setFaults({ errorRate: 1 });

    const error = await rejectionOf(gateway.client.addCampaign(input));

    expect(error).toBeInstanceOf(RobotCallUnavailableError);
    expect(error).toMatchObject({
      code: 'ROBOT_CALL_UNAVAILABLE',
      details: { attempts: RETRIES + 1, remoteCode: 50000 },
    });
    expect(await truth.requests()).toEqual({ robot_call_campaign_add: RETRIES + 1 });
    expect(await truth.campaigns()).toEqual([]);
  });

  it('succeeds when the platform recovers between attempts', async () => {
    await truth.setFaults({ errorRate: 1 });
    onAttempt(3, () => truth.setFaults({ errorRate: 0 }));

    const added = await gateway.client.addCampaign(input);

    expect(added.created).toBe(true);
    expect(await truth.requests()).toEqual({ robot_call_campaign_add: 3 });
  });

  it('recovers a lost add reply by resending: the same campaign, created once', async () => {
    await truth.setFaults({ lostReplyRate: 1 });
    onAttempt(2, () => truth.setFaults({ lostReplyRate: 0 }));

    const added = await gateway.client.addCampaign(input);

    const campaigns = await truth.campaigns();
    expect(campaigns).toHaveLength(1);
    expect(added).toMatchObject({ campaignId: campaigns[0].campaign_id, created: false });
    expect(await truth.requests()).toEqual({ robot_call_campaign_add: 2 });
  });

  it('raises RobotCallUnavailableError when every add reply is lost, with still one campaign', async () => {
    await truth.setFaults({ lostReplyRate: 1 });

    await expect(gateway.client.addCampaign(input)).rejects.toBeInstanceOf(RobotCallUnavailableError);
    expect(await truth.campaigns()).toHaveLength(1);
    expect(await truth.requests()).toEqual({ robot_call_campaign_add: RETRIES + 1 });
  });

  it('raises RobotCallTimeoutError when no attempt is answered in time', async () => {
    const impatient = await gatewayFor(simulator.baseUrl, { retries: 1, timeoutMs: 100 });
    await truth.setFaults({ timeoutRate: 1, hangMs: 1500 });
    const startedAt = Date.now();
    try {
      const error = await rejectionOf(impatient.client.getCampaignDetail({ campaignId: 'cmp_000001' }));

      expect(error).toBeInstanceOf(RobotCallTimeoutError);
      expect(error).toMatchObject({ code: 'ROBOT_CALL_TIMEOUT', details: { attempts: 2 } });
      expect(Date.now() - startedAt).toBeLessThan(1000);
      expect(await truth.requests()).toEqual({ robot_call_campaign_detail: 2 });
    } finally {
      await impatient.close();
    }
  });

  it('retries a timed-out attempt with a full timeout', async () => {
    await truth.setFaults({ timeoutRate: 1, hangMs: 1500 });
    const impatient = await gatewayFor(simulator.baseUrl, { retries: 1, timeoutMs: 300 });
    let attempts = 0;
    impatient.axios.interceptors.request.use(async (config) => {
      if (++attempts === 2) await truth.setFaults({ timeoutRate: 0 });
      return config;
    });
    try {
      await expect(impatient.client.addCampaign(input)).resolves.toMatchObject({ created: true });
    } finally {
      await impatient.close();
    }
  });

  it('raises RobotCallUnavailableError for a platform that refuses connections', async () => {
    const nowhere = await startSimulator();
    const { baseUrl } = nowhere;
    await nowhere.close();
    const unreachable = await gatewayFor(baseUrl, { retries: 1 });
    try {
      await expect(unreachable.client.addCampaign(input)).rejects.toMatchObject({
        code: 'ROBOT_CALL_UNAVAILABLE',
        details: { attempts: 2 },
      });
    } finally {
      await unreachable.close();
    }
  });
});
