import { CallResult, ContactStatus, Intention } from './statuses';

export interface RetryPolicy {
  maxAttempts: number;
  retryGapMinutes: number;
}

export interface ReportedCall {
  recordId: string;
  callResult: CallResult.Connected | CallResult.Failed;
  failReason: string | null;
  intention: Intention;
  durationSec: number;
  calledAt: Date;
}

/** A call record as the platform reports it (polled or pushed), before it is fitted to the columns (wire-fit). */
export interface IncomingRecord extends ReportedCall {
  /** The contact id this service sent as `ref` to `campaign_add`. */
  ref: string;
  /** The conversation, when the platform gives it: stored beside the record, sealed, and carried to the `contact.called` event (bounded by domain/wire-fit). */
  recordingUrl?: string | null;
  transcript?: string | null;
  summary?: string | null;
}

export interface ContactBeforeCall {
  attempts: number;
  callbackCount: number;
}

export interface ContactAfterCall {
  status: ContactStatus;
  attempts: number;
  callbackCount: number;
  callResult: CallResult;
  failReason: string | null;
  intensionResult: Intention;
  durationSec: number;
  calledAt: Date;
  recordId: string;
  /** Whether the contact leaves its campaign (back to waiting for a later one). */
  requeued: boolean;
  nextAttemptAt: Date | null;
}

/** Calls a contact may get back after saying "inconvenient now". */
export const MAX_INCONVENIENT_CALLBACKS = 1;

/**
 * What one reported call does to its contact:
 *  - failed: queued again for a later campaign, after the retry gap, while attempts remain; else done;
 *  - connected and "inconvenient now" the first time: called once more, at `callbackAt` (a later window);
 *  - any other connected call is final.
 */
export function applyCall(
  before: ContactBeforeCall,
  call: ReportedCall,
  policy: RetryPolicy,
  callbackAt: (calledAt: Date) => Date,
): ContactAfterCall {
  const attempts = before.attempts + 1;
  const connected = call.callResult === CallResult.Connected;
  const retry = !connected && attempts < policy.maxAttempts;
  const callback =
    connected && call.intention === Intention.Inconvenient && before.callbackCount < MAX_INCONVENIENT_CALLBACKS;
  const requeued = retry || callback;
  return {
    status: requeued ? ContactStatus.Waiting : ContactStatus.Done,
    attempts,
    callbackCount: before.callbackCount + (callback ? 1 : 0),
    callResult: call.callResult,
    failReason: connected ? null : call.failReason,
    intensionResult: connected ? call.intention : Intention.None,
    durationSec: connected ? call.durationSec : 0,
    calledAt: call.calledAt,
    recordId: call.recordId,
    requeued,
    nextAttemptAt: retry
      ? new Date(call.calledAt.getTime() + policy.retryGapMinutes * 60_000)
      : callback
        ? callbackAt(call.calledAt)
        : null,
  };
}
