import { Inject, Injectable } from '@nestjs/common';
import { RefusalCode, SimulatorRefusal } from '../envelope/envelope';
import { hash32, mulberry32 } from '../outcomes/prng';
import {
  FAULT_KEYS,
  numericOptionProblem,
  SIMULATOR_OPTIONS,
  SimulatorFaults,
  SimulatorOptions,
} from '../simulator.options';
import { Sleeper } from './sleeper.service';
import { CallOutcome, FailReason } from '../outcomes/call-outcome';

/**
 * The `fail_reason` of the long-fail-reason fault: a carrier's free text as some platforms pass it on
 * (51 characters, Chinese among them), not one of the contract's four codes.
 */
export const LONG_FAIL_REASON = 'unreachable: 您拨打的用户暂时无法接通，请稍后再拨 (carrier code 4412)' as FailReason;

/** The current faults and the dice that apply them; seeded, so a run's fault sequence is reproducible. */
@Injectable()
export class FaultInjector {
  private faults: SimulatorFaults;
  private readonly random: () => number;

  constructor(
    @Inject(SIMULATOR_OPTIONS) private readonly options: SimulatorOptions,
    private readonly sleeper: Sleeper,
  ) {
    this.faults = pickFaults(options);
    this.random = mulberry32(hash32(JSON.stringify([options.seed, 'faults'])));
  }

  current(): SimulatorFaults {
    return { ...this.faults };
  }

  /** Sets the given faults, keeping the others; refuses the whole patch if any value is invalid. */
  update(patch: unknown): SimulatorFaults {
    if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
      throw new SimulatorRefusal(RefusalCode.InvalidParameters, 'body must be a JSON object of faults');
    }
    const entries = Object.entries(patch);
    const problems = entries.map(([key, value]) =>
      (FAULT_KEYS as readonly string[]).includes(key)
        ? numericOptionProblem(key as keyof SimulatorFaults, value)
        : `${key} is not a fault (${FAULT_KEYS.join(', ')})`,
    );
    const invalid = problems.filter((p): p is string => p !== null);
    if (invalid.length > 0) throw new SimulatorRefusal(RefusalCode.InvalidParameters, invalid.join('; '));
    this.faults = { ...this.faults, ...(Object.fromEntries(entries) as Partial<SimulatorFaults>) };
    return this.current();
  }

  /** Back to the faults the simulator started with. */
  reset(): void {
    this.faults = pickFaults(this.options);
  }

  /** Latency, then maybe a hang, then maybe a 50000 instead of handling the request. */
  async beforeHandling(): Promise<void> {
    const { delayMs, timeoutRate, hangMs, errorRate } = this.faults;
    await this.sleeper.sleep(delayMs);
    if (this.roll(timeoutRate)) await this.sleeper.sleep(hangMs);
    if (this.roll(errorRate)) throw new SimulatorRefusal(RefusalCode.Internal, 'injected internal error');
  }

  shouldLoseReply(): boolean {
    return this.roll(this.faults.lostReplyRate);
  }

  /** Whether to refuse this `add` or `start` with 42200, as a platform that will not take the campaign. */
  shouldRefuse(): boolean {
    return this.roll(this.faults.refuseRate);
  }

  /** Whether a running campaign passes over its next contact without dialling it. */
  shouldPassOver(): boolean {
    return this.roll(this.faults.undialledRate);
  }

  /** A failed call's outcome, maybe with a long free-text `fail_reason` (decided once, when the call is recorded). */
  distortOutcome(outcome: CallOutcome): CallOutcome {
    if (outcome.callResult !== 2 || !this.roll(this.faults.longFailReasonRate)) return outcome;
    return { ...outcome, failReason: LONG_FAIL_REASON };
  }

  /** Whether this `detail` answer hands back the cursor it was asked with (asked only when `has_more` is true). */
  shouldStickCursor(): boolean {
    return this.roll(this.faults.stuckCursorRate);
  }

  private roll(rate: number): boolean {
    // Rates of 0 draw nothing, so turning one fault on does not shift the others' sequence.
    return rate > 0 && this.random() < rate;
  }
}

function pickFaults(options: SimulatorFaults): SimulatorFaults {
  const {
    errorRate,
    timeoutRate,
    hangMs,
    delayMs,
    lostReplyRate,
    refuseRate,
    undialledRate,
    longFailReasonRate,
    stuckCursorRate,
  } = options;
  return {
    errorRate,
    timeoutRate,
    hangMs,
    delayMs,
    lostReplyRate,
    refuseRate,
    undialledRate,
    longFailReasonRate,
    stuckCursorRate,
  };
}
