import { createHmac } from 'node:crypto';
import { RunningSimulator, startSimulator } from '../start-simulator';
import { CallbackReceiver, deadUrl, ReceivedPush } from '../test/callback-receiver';
import { CampaignStatus } from '../campaigns/campaign-status';
import { PushView } from './call-result-pusher.service';
import { CampaignTruth, SimulatorHttp, sleep, testContacts, waitFor, WireRecord } from '../test/simulator-http';

/** The pusher's report when it has pushed nothing (yet, or since a reset), for the receiver at `url`. */
function nothingPushed(url: string) {
  return { url, batchMs: 0, attempted: 0, succeeded: 0, failed: 0, gaveUp: 0, recordsDelivered: 0, pending: 0 };
}

describe('pushing call results (simulator and receiver over HTTP)', () => {
  const SECRET = 'spec-callback-secret';
  let simulator: RunningSimulator | undefined;
  let receiver: CallbackReceiver;
  let sut: SimulatorHttp;

  beforeEach(async () => {
    receiver = await CallbackReceiver.start();
  });

  afterEach(async () => {
    await simulator?.close();
    simulator = undefined;
    await receiver.close();
  });

  async function start(overrides: Parameters<typeof startSimulator>[0] = {}): Promise<void> {
    simulator = await startSimulator({ callMs: 5, parallelism: 20, ...overrides });
    sut = SimulatorHttp.of(simulator);
  }

  async function finishedCampaign(requestId: string, contactCount: number): Promise<CampaignTruth> {
    const campaignId = (await sut.add(requestId, testContacts(contactCount))).data.campaign_id;
    await sut.changeStatus(campaignId, 'start');
    return waitFor(
      () => sut.truth(campaignId),
      (t) => t.status === CampaignStatus.Finished,
    );
  }

  /** Waits until every push is finished (delivered or given up) and returns the counters. */
  function settledPush(done: (push: PushView) => boolean = () => true): Promise<PushView> {
    return waitFor(
      () => sut.push(),
      (push) => push.pending === 0 && done(push),
    );
  }

  function expectedSignature(push: ReceivedPush, secret = SECRET): string {
    const timestamp = push.headers['x-robot-timestamp'] as string;
    return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${push.rawBody}`).digest('hex')}`;
  }

  const byRecordId = (a: WireRecord, b: WireRecord) => a.record_id.localeCompare(b.record_id);

  it('is off by default: nothing is pushed and nothing counted', async () => {
    await start();

    await finishedCampaign('req-quiet', 5);
    await sleep(50);

    expect(receiver.received).toEqual([]);
    expect(await sut.push()).toEqual(nothingPushed(''));
  });

  it('POSTs every record of a campaign, one per request, exactly as campaign_detail lists it', async () => {
    await start({ pushUrl: receiver.url, pushSecret: SECRET });

    const truth = await finishedCampaign('req-push', 12);
    const push = await settledPush((p) => p.succeeded === 12);

    expect(receiver.received).toHaveLength(12);
    for (const request of receiver.received) {
      expect(request.headers['content-type']).toBe('application/json');
      expect(request.body).toEqual({ campaign_id: truth.campaign_id, records: [expect.any(Object)] });
    }
    expect(receiver.storedRecords().sort(byRecordId)).toEqual([...truth.records].sort(byRecordId));
    const detail = (await sut.detail(truth.campaign_id)).data;
    expect(receiver.storedRecords().sort(byRecordId)).toEqual([...detail.records].sort(byRecordId));
    expect(push).toMatchObject({ attempted: 12, succeeded: 12, failed: 0, gaveUp: 0, recordsDelivered: 12 });
  });

  it('signs each push with HMAC-SHA256 over "<timestamp>.<raw body>" and a current unix-seconds timestamp', async () => {
    await start({ pushUrl: receiver.url, pushSecret: SECRET });

    await finishedCampaign('req-signed', 3);
    await settledPush((p) => p.succeeded === 3);

    expect(receiver.received).toHaveLength(3);
    for (const request of receiver.received) {
      const timestamp = request.headers['x-robot-timestamp'] as string;
      expect(timestamp).toMatch(/^\d+$/);
      expect(Math.abs(Number(timestamp) - request.receivedAt / 1000)).toBeLessThanOrEqual(2);
      expect(request.headers['x-robot-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
      expect(request.headers['x-robot-signature']).toBe(expectedSignature(request));
      expect(request.headers['x-robot-signature']).not.toBe(expectedSignature(request, 'another-secret'));
    }
  });

  it('retries a push the receiver answers 500, with a fresh signature, and then counts it delivered', async () => {
    receiver.answer = (index) => (index === 0 ? 500 : 200);
    await start({ pushUrl: receiver.url, pushSecret: SECRET });

    const truth = await finishedCampaign('req-retry', 1);
    const push = await settledPush((p) => p.succeeded === 1);

    expect(receiver.received.map((r) => r.status)).toEqual([500, 200]);
    const [refused, retried] = receiver.received;
    expect(retried.rawBody).toBe(refused.rawBody);
    expect(retried.headers['x-robot-signature']).toBe(expectedSignature(retried));
    expect(retried.receivedAt - refused.receivedAt).toBeGreaterThanOrEqual(150);
    expect(receiver.storedRecords()).toEqual(truth.records);
    expect(push).toMatchObject({ attempted: 2, succeeded: 1, failed: 1, gaveUp: 0, recordsDelivered: 1 });
  });

  it('gathers a campaign`s records for batchMs and POSTs them together, never mixing campaigns', async () => {
    await start();
    await sut.setPush({ url: receiver.url, secret: SECRET, batchMs: 150 });

    const [first, second] = await Promise.all([
      finishedCampaign('req-batch-1', 20),
      finishedCampaign('req-batch-2', 7),
    ]);
    const push = await settledPush((p) => p.recordsDelivered === 27);

    expect(receiver.received).toHaveLength(2);
    const bodyOf = (campaign: CampaignTruth) =>
      receiver.received.find((r) => r.body?.campaign_id === campaign.campaign_id)!.body!;
    expect(bodyOf(first).records).toEqual(first.records);
    expect(bodyOf(second).records).toEqual(second.records);
    for (const request of receiver.received)
      expect(request.headers['x-robot-signature']).toBe(expectedSignature(request));
    expect(push).toMatchObject({ url: receiver.url, batchMs: 150, attempted: 2, succeeded: 2, recordsDelivered: 27 });
    expect(push).not.toHaveProperty('secret');
  });

  it('keeps dialling when the receiver is unreachable, counting the failed attempts', async () => {
    await start({ pushUrl: await deadUrl(), pushSecret: SECRET });

    const truth = await finishedCampaign('req-unreachable', 3);
    const push = await waitFor(
      () => sut.push(),
      (p) => p.failed >= 3,
    );

    expect(truth).toMatchObject({ status: 3, dialled_count: 3 });
    expect(push).toMatchObject({ succeeded: 0, recordsDelivered: 0 });
    expect(push.pending).toBeGreaterThan(0);
    // Retries still waiting must not hold up shutdown.
    const closing = Date.now();
    await simulator!.close();
    simulator = undefined;
    expect(Date.now() - closing).toBeLessThan(1000);
  });

  it('refuses an invalid push update as a whole, and reset restores the start-up settings with zeroed counts', async () => {
    await start({ pushUrl: receiver.url, pushSecret: SECRET });
    await finishedCampaign('req-before-reset', 2);
    await settledPush((p) => p.succeeded === 2);

    const refused = await sut.put('/_simulator/push', { batchMs: 10, url: 'nowhere', bogus: true });
    const unchanged = await sut.push();
    await sut.setPush({ url: '', batchMs: 10 });
    await sut.reset();
    const afterReset = await sut.push();

    expect(refused).toMatchObject({ status: 400, code: 40000 });
    expect(refused.message).toContain('url');
    expect(refused.message).toContain('bogus');
    expect(unchanged).toMatchObject({ url: receiver.url, batchMs: 0, succeeded: 2 });
    expect(afterReset).toEqual(nothingPushed(receiver.url));
  });

  it('needs the API key like every _simulator route', async () => {
    await start();

    const read = await sut.get('/_simulator/push', { apiKey: null });
    const write = await sut.put('/_simulator/push', { url: receiver.url });

    expect(read).toMatchObject({ status: 401, code: 40100 });
    expect(write.code).toBe(0);
  });
});
