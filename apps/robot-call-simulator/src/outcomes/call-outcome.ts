import { Intention, INTENTIONS, IntentionMix } from './intention-mix';
import { hash32, mulberry32, pickWeighted } from './prng';

export type FailReason = 'no_answer' | 'busy' | 'rejected' | 'unreachable';

export type CallOutcome =
  | { callResult: 1; failReason: null; intention: Intention; durationSec: number }
  | { callResult: 2; failReason: FailReason; intention: 0; durationSec: 0 };

/** 1 connected, 2 failed: every call_result a record can have. */
export const CALL_RESULTS = [1, 2] as const satisfies readonly CallOutcome['callResult'][];

const FAIL_REASONS: readonly FailReason[] = ['no_answer', 'busy', 'rejected', 'unreachable'];
const FAIL_REASON_WEIGHTS = [0.5, 0.2, 0.15, 0.15];
const MIN_TALK_SEC = 5;
const MAX_TALK_SEC = 180;

export interface OutcomeModel {
  seed: number;
  connectRate: number;
  intentionMix: IntentionMix;
}

/**
 * The outcome of dialling `ref` in the campaign created by `requestId`: a pure function of its inputs, so
 * two simulators with the same seed agree whatever the timing, dial order or parallelism.
 */
export function callOutcome(model: OutcomeModel, requestId: string, ref: string): CallOutcome {
  const random = mulberry32(hash32(JSON.stringify([model.seed, requestId, ref])));
  // Every roll is drawn up front, so each always means the same thing whichever branch is taken.
  const [connectRoll, intentionRoll, durationRoll, failRoll] = [random(), random(), random(), random()];
  if (connectRoll < model.connectRate) {
    const intention = INTENTIONS[pickWeighted(INTENTIONS.map((i) => model.intentionMix[i]), intentionRoll)];
    const durationSec = MIN_TALK_SEC + Math.floor(durationRoll * (MAX_TALK_SEC - MIN_TALK_SEC + 1));
    return { callResult: 1, failReason: null, intention, durationSec };
  }
  const failReason = FAIL_REASONS[pickWeighted(FAIL_REASON_WEIGHTS, failRoll)];
  return { callResult: 2, failReason, intention: 0, durationSec: 0 };
}
