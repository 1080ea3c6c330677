import { RelayRoundSummary, RunRelayRound } from '@app/events';
import { EventsRelayLoop } from './events-relay.loop';

const IDLE: RelayRoundSummary = {
  sequenced: 0,
  fannedOut: 0,
  deliveriesCreated: 0,
  claimed: 0,
  delivered: 0,
  retried: 0,
  failed: 0,
  disabled: 0,
  unrecorded: 0,
  released: 0,
  unsendable: 0,
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function loopWith(impl: () => Promise<RelayRoundSummary>, intervalMs: number) {
  const execute = jest.fn(impl);
  const round = { execute } as unknown as RunRelayRound;
  const sut = new EventsRelayLoop(
    round,
    { relayIntervalMs: intervalMs } as never,
    { shutdownTimeoutMs: 1000 } as never,
  );
  return { sut, execute };
}

describe('EventsRelayLoop', () => {
  it('runs a round, then the next one an interval after it ended when it found nothing', async () => {
    // When each round started and ended: the next idle round never starts sooner than the interval after the last
    // one ended (not a time budget: however loaded the machine, it may only come later).
    const starts: number[] = [];
    const ends: number[] = [];
    const { sut, execute } = loopWith(() => {
      starts.push(performance.now());
      ends.push(performance.now());
      return Promise.resolve(IDLE);
    }, 50);
    sut.onApplicationBootstrap();
    for (let waited = 0; execute.mock.calls.length < 3 && waited < 5000; waited += 10) await sleep(10);
    await sut.beforeApplicationShutdown();
    expect(execute.mock.calls.length).toBeGreaterThanOrEqual(3);
    // (Node may fire a timer up to a millisecond before its delay by its clock's rounding.)
    for (let i = 1; i < starts.length; i++) expect(starts[i] - ends[i - 1]).toBeGreaterThanOrEqual(48);
  });

  it('runs the next round at once while rounds find work (a backlog drains without waiting)', async () => {
    let left = 5;
    const { sut, execute } = loopWith(() => Promise.resolve(left-- > 0 ? { ...IDLE, claimed: 1 } : IDLE), 10_000);
    sut.onApplicationBootstrap();
    // Six rounds back to back (five busy, then an idle one), however loaded the machine; the seventh would come
    // only after the 10 s interval.
    for (let waited = 0; execute.mock.calls.length < 6 && waited < 5000; waited += 10) await sleep(10);
    await sleep(50);
    await sut.beforeApplicationShutdown();
    expect(execute).toHaveBeenCalledTimes(6);
  });

  it('on shutdown starts no new round and waits for the one in flight', async () => {
    let finished = false;
    const { sut, execute } = loopWith(async () => {
      await sleep(100);
      finished = true;
      return IDLE;
    }, 10);
    sut.onApplicationBootstrap();
    await sleep(20);
    await sut.beforeApplicationShutdown();
    expect(finished).toBe(true);
    await sleep(50);
    expect(execute).toHaveBeenCalledTimes(1);
  });

  it('keeps going after a failed round', async () => {
    let calls = 0;
    const { sut } = loopWith(
      () => (++calls === 1 ? Promise.reject(new Error('database gone')) : Promise.resolve(IDLE)),
      10,
    );
    sut.onApplicationBootstrap();
    await sleep(80);
    await sut.beforeApplicationShutdown();
    expect(calls).toBeGreaterThan(1);
  });
});
