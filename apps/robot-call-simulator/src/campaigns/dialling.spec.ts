import { RunningSimulator, startSimulator } from '../start-simulator';
import { DetailAnswer, SimulatorHttp, sleep, testContacts, waitFor } from '../test/simulator-http';
import { CampaignStatus } from './campaign-status';

describe('dialling (simulator over HTTP)', () => {
  const CALL_MS = 10;
  const PARALLELISM = 3;
  let simulator: RunningSimulator;
  let sut: SimulatorHttp;

  beforeAll(async () => {
    simulator = await startSimulator({ callMs: CALL_MS, parallelism: PARALLELISM });
    sut = SimulatorHttp.of(simulator);
  });

  afterAll(() => simulator.close());

  beforeEach(() => sut.reset());

  async function startedCampaign(contactCount: number): Promise<string> {
    const campaignId = (await sut.add(`req-${contactCount}`, testContacts(contactCount))).data.campaign_id;
    await sut.changeStatus(campaignId, 'start');
    return campaignId;
  }

  it('dials every contact exactly once, never more than PARALLELISM at a time, then finishes', async () => {
    const campaignId = await startedCampaign(20);
    const inFlightSeen: number[] = [];

    const truth = await waitFor(
      () => sut.truth(campaignId),
      (t) => {
        inFlightSeen.push(t.in_flight_count);
        return t.status === CampaignStatus.Finished;
      },
    );

    expect(Math.max(...inFlightSeen)).toBeLessThanOrEqual(PARALLELISM);
    expect(truth.dialled_count).toBe(20);
    expect(truth.in_flight_count).toBe(0);
    expect(truth.records.map((r) => r.ref).sort()).toEqual(
      testContacts(20)
        .map((c) => c.ref)
        .sort(),
    );
    const serial = campaignId.replace('cmp_', '');
    expect(truth.records.map((r) => r.record_id)).toEqual(
      Array.from({ length: 20 }, (_, i) => `rec_${serial}_${String(i + 1).padStart(6, '0')}`),
    );
    expect(truth.by_call_result['1'] + truth.by_call_result['2']).toBe(20);
  });

  it('does not dial before start', async () => {
    const campaignId = (await sut.add('req-idle', testContacts(5))).data.campaign_id;

    await sleep(CALL_MS * 5);

    expect(await sut.truth(campaignId)).toMatchObject({ status: 0, dialled_count: 0, in_flight_count: 0 });
  });

  it('stops new dials on pause, records the calls in flight, and resumes on start', async () => {
    const campaignId = await startedCampaign(30);
    await waitFor(
      () => sut.truth(campaignId),
      (t) => t.dialled_count >= 3,
    );

    expect((await sut.changeStatus(campaignId, 'pause')).data.status).toBe(2);
    const drained = await waitFor(
      () => sut.truth(campaignId),
      (t) => t.in_flight_count === 0,
    );
    await sleep(CALL_MS * 6);
    const paused = await sut.truth(campaignId);

    expect(paused.status).toBe(2);
    expect(paused.dialled_count).toBe(drained.dialled_count);
    expect(paused.dialled_count).toBeLessThan(30);

    await sut.changeStatus(campaignId, 'start');
    const finished = await waitFor(
      () => sut.truth(campaignId),
      (t) => t.status === CampaignStatus.Finished,
    );

    expect(finished.dialled_count).toBe(30);
    expect(new Set(finished.records.map((r) => r.ref)).size).toBe(30);
  });

  it('finishes on stop, leaving undialled contacts without records', async () => {
    const campaignId = await startedCampaign(30);
    await waitFor(
      () => sut.truth(campaignId),
      (t) => t.dialled_count >= 3,
    );

    expect((await sut.changeStatus(campaignId, 'stop')).data.status).toBe(3);
    const stopped = await sut.truth(campaignId);
    await sleep(CALL_MS * 6);
    const later = await sut.truth(campaignId);

    expect(stopped.in_flight_count).toBe(0);
    expect(later).toEqual(stopped);
    expect(later.dialled_count).toBeLessThan(30);
    expect(later.records).toHaveLength(later.dialled_count);
  });

  it('pages every record exactly once, in order, across pages read while dialling', async () => {
    const campaignId = await startedCampaign(37);
    const seen: string[] = [];
    let cursor: string | null = null;

    for (;;) {
      const page: DetailAnswer = (await sut.detail(campaignId, cursor, 4)).data;
      seen.push(...page.records.map((r) => r.record_id));
      cursor = page.next_cursor;
      if (page.status === CampaignStatus.Finished && !page.has_more) break;
      if (!page.has_more) await sleep(CALL_MS / 2);
    }

    const truth = await sut.truth(campaignId);
    expect(seen).toEqual(truth.records.map((r) => r.record_id));
    expect(new Set(seen).size).toBe(37);
  });

  it('keeps a stored cursor valid: resuming from it reads only newer records', async () => {
    const campaignId = await startedCampaign(12);
    await waitFor(
      () => sut.truth(campaignId),
      (t) => t.status === CampaignStatus.Finished,
    );
    const first = (await sut.detail(campaignId, null, 5)).data;

    const rest = (await sut.detail(campaignId, first.next_cursor, 100)).data;

    expect(first).toMatchObject({ next_cursor: '5', has_more: true });
    expect(rest).toMatchObject({ next_cursor: '12', has_more: false });
    expect([...first.records, ...rest.records].map((r) => r.record_id)).toEqual(
      (await sut.truth(campaignId)).records.map((r) => r.record_id),
    );
  });
});
