import { RunningSimulator, startSimulator } from '../start-simulator';
import { SimulatorOptions } from '../simulator.options';
import { SimulatorHttp, testContacts, WireRecord, waitFor } from '../test/simulator-http';
import { CampaignStatus } from '../campaigns/campaign-status';

/** A contact's outcome: call result, fail reason, intention, duration. */
type Outcome = [WireRecord['call_result'], WireRecord['fail_reason'], WireRecord['intention'], number];

/** Runs one campaign to the end on a fresh simulator and returns each contact's outcome by ref. */
async function outcomesOf(options: Partial<SimulatorOptions>, contactCount = 60): Promise<Record<string, Outcome>> {
  const simulator: RunningSimulator = await startSimulator({ callMs: 5, ...options });
  try {
    const sut = SimulatorHttp.of(simulator);
    const campaignId = (await sut.add('req-determinism', testContacts(contactCount))).data.campaign_id;
    await sut.changeStatus(campaignId, 'start');
    const truth = await waitFor(
      () => sut.truth(campaignId),
      (t) => t.status === CampaignStatus.Finished,
    );
    return Object.fromEntries(
      truth.records.map((r): [string, Outcome] => [r.ref, [r.call_result, r.fail_reason, r.intention, r.duration_sec]]),
    );
  } finally {
    await simulator.close();
  }
}

describe('call outcomes (simulator over HTTP)', () => {
  it('are the same for the same seed, request_id and ref, whatever the timing', async () => {
    const fast = await outcomesOf({ seed: 7, parallelism: 10, callMs: 2 });
    const slow = await outcomesOf({ seed: 7, parallelism: 2, callMs: 8 });

    expect(Object.keys(fast)).toHaveLength(60);
    expect(slow).toEqual(fast);
  });

  it('differ for another seed', async () => {
    const one = await outcomesOf({ seed: 7, parallelism: 10 });
    const other = await outcomesOf({ seed: 8, parallelism: 10 });

    expect(other).not.toEqual(one);
  });

  it('follow the connect rate and the intention mix', async () => {
    const allFailed = await outcomesOf({ connectRate: 0, parallelism: 20 }, 20);
    const allWrongNumber = await outcomesOf(
      { connectRate: 1, intentionMix: { 0: 0, 1: 0, 2: 0, 3: 0, 4: 1 }, parallelism: 20 },
      20,
    );

    for (const [callResult, failReason, intention, duration] of Object.values(allFailed)) {
      expect([callResult, intention, duration]).toEqual([2, 0, 0]);
      expect(['no_answer', 'busy', 'rejected', 'unreachable']).toContain(failReason);
    }
    for (const [callResult, failReason, intention, duration] of Object.values(allWrongNumber)) {
      expect([callResult, failReason, intention]).toEqual([1, null, 4]);
      expect(duration).toBeGreaterThan(0);
    }
  });
});
