import { RunningSimulator, startSimulator } from '../start-simulator';
import { SimulatorHttp, testContacts, waitFor } from '../test/simulator-http';
import { CampaignStatus } from '../campaigns/campaign-status';
import { SimulatorFaults } from '../simulator.options';
import { LONG_FAIL_REASON } from './fault-injector.service';

describe('fault injection (simulator over HTTP)', () => {
  let simulator: RunningSimulator;
  let sut: SimulatorHttp;

  afterEach(() => simulator?.close());

  async function start(overrides: Parameters<typeof startSimulator>[0] = {}): Promise<void> {
    simulator = await startSimulator({ callMs: 5, ...overrides });
    sut = SimulatorHttp.of(simulator);
  }

  it('answers 500 / 50000 to every contract call at error rate 1, and creates nothing', async () => {
    await start({ errorRate: 1 });

    const add = await sut.add('req-1', testContacts(2));
    const detail = await sut.detail('cmp_000001');

    for (const answer of [add, detail]) expect(answer).toMatchObject({ status: 500, code: 50000, data: null });
    expect(await sut.campaigns()).toEqual([]);
  });

  it('leaves the _simulator endpoints alone', async () => {
    await start({ errorRate: 1, timeoutRate: 1, hangMs: 10_000 });

    expect((await sut.get('/_simulator/campaigns')).status).toBe(200);
    expect((await sut.get('/_simulator/faults')).status).toBe(200);
  });

  it('changes faults at runtime, keeping the ones not given, and reset restores the start-up faults', async () => {
    await start({ delayMs: 1 });

    const changed = await sut.put('/_simulator/faults', { errorRate: 1 });
    const refused = await sut.add('req-1', testContacts(2));
    await sut.reset();
    const afterReset = await sut.get('/_simulator/faults');

    const quiet = {
      timeoutRate: 0,
      hangMs: 30_000,
      delayMs: 1,
      lostReplyRate: 0,
      refuseRate: 0,
      undialledRate: 0,
      longFailReasonRate: 0,
      stuckCursorRate: 0,
    };
    expect(changed.data).toEqual({ errorRate: 1, ...quiet });
    expect(refused.code).toBe(50000);
    expect(afterReset.data).toEqual({ errorRate: 0, ...quiet });
  });

  it('refuses invalid fault updates with 40000 and applies none of them', async () => {
    await start();

    const answer = await sut.put('/_simulator/faults', { errorRate: 0.5, timeoutRate: 2, bogus: 1 });

    expect(answer).toMatchObject({ status: 400, code: 40000 });
    expect(answer.message).toContain('timeoutRate');
    expect(answer.message).toContain('bogus');
    expect((await sut.get<SimulatorFaults>('/_simulator/faults')).data.errorRate).toBe(0);
  });

  it('creates the campaign but loses the reply of an add, and a resent add finds it', async () => {
    await start({ lostReplyRate: 1 });

    await expect(sut.add('req-lost', testContacts(2))).rejects.toThrow();
    const afterLoss = await sut.campaigns();
    await sut.setFaults({ lostReplyRate: 0, refuseRate: 0, undialledRate: 0 });
    const resent = await sut.add('req-lost', testContacts(2));

    expect(afterLoss).toHaveLength(1);
    expect(afterLoss[0]).toMatchObject({ request_id: 'req-lost', status: 0 });
    expect(resent.data).toMatchObject({ campaign_id: afterLoss[0].campaign_id, created: false });
    expect(await sut.campaigns()).toHaveLength(1);
  });

  it('holds requests for hangMs at timeout rate 1, then handles them', async () => {
    await start({ timeoutRate: 1, hangMs: 200 });

    const startedAt = Date.now();
    const answer = await sut.detail('cmp_000001');

    expect(answer.code).toBe(40400);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(190);
  });

  it('does not let a pending hang hold up close()', async () => {
    await start({ timeoutRate: 1, hangMs: 30_000 });
    const abandoned = sut.post(
      '/robot_call_campaign_detail',
      { campaign_id: 'x' },
      { signal: AbortSignal.timeout(100) },
    );
    await expect(abandoned).rejects.toThrow();
    const hung = sut.detail('cmp_000001').catch((error: Error) => error);

    const closing = Date.now();
    await simulator.close();

    expect(Date.now() - closing).toBeLessThan(2_000);
    expect(await hung).toBeDefined();
  });

  it('adds delayMs of latency', async () => {
    await start({ delayMs: 80 });

    const startedAt = Date.now();
    const answer = await sut.detail('cmp_000001');

    expect(answer.code).toBe(40400);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(75);
  });

  it('gives failed calls a long free-text fail_reason at long-fail-reason rate 1, the same in detail and ground truth', async () => {
    await start({ connectRate: 0, longFailReasonRate: 1 });

    const { campaign_id: id } = (await sut.add('req-long', testContacts(3))).data;
    await sut.changeStatus(id, 'start');
    const truth = await waitFor(
      () => sut.truth(id),
      (c) => c.status === CampaignStatus.Finished,
    );
    const page = (await sut.detail(id)).data;

    expect(page.records.map((r) => r.fail_reason)).toEqual(Array(3).fill(LONG_FAIL_REASON));
    expect(truth.records.map((r) => r.fail_reason)).toEqual(Array(3).fill(LONG_FAIL_REASON));
    expect([...LONG_FAIL_REASON].length).toBeGreaterThan(16);
  });

  it('leaves connected calls and the four codes alone while the long-fail-reason rate is 0', async () => {
    await start({ connectRate: 0.5, seed: 4 });

    const { campaign_id: id } = (await sut.add('req-short', testContacts(20))).data;
    await sut.changeStatus(id, 'start');
    const truth = await waitFor(
      () => sut.truth(id),
      (c) => c.status === CampaignStatus.Finished,
    );

    for (const record of truth.records) {
      expect([null, 'no_answer', 'busy', 'rejected', 'unreachable']).toContain(record.fail_reason);
    }
  });

  it('hands back the cursor it was asked with while more records exist, at stuck-cursor rate 1; a last page is unaffected', async () => {
    await start({ stuckCursorRate: 1 });

    const { campaign_id: id } = (await sut.add('req-stuck', testContacts(3))).data;
    await sut.changeStatus(id, 'start');
    await waitFor(
      () => sut.truth(id),
      (c) => c.status === CampaignStatus.Finished,
    );
    const first = (await sut.detail(id, null, 2)).data;
    const again = (await sut.detail(id, '1', 1)).data;
    const last = (await sut.detail(id, '2', 2)).data;

    expect(first).toMatchObject({ has_more: true, next_cursor: null });
    expect(first.records).toHaveLength(2);
    expect(again).toMatchObject({ has_more: true, next_cursor: '1' });
    expect(last).toMatchObject({ has_more: false, next_cursor: '3' });
  });

  it('counts the contract requests it receives, faulted ones included', async () => {
    await start({ errorRate: 1 });

    await sut.add('req-1', testContacts(1));
    await sut.add('req-1', testContacts(1));
    await sut.detail('cmp_000001');

    expect(await sut.requests()).toEqual({ robot_call_campaign_add: 2, robot_call_campaign_detail: 1 });
  });
});
