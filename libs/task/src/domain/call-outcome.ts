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

export interface ContactAfterCall {
  status: ContactStatus;
  attempts: number;
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

/**
 * What one reported call does to its contact: a connected call is final; a failed one is queued again for a
 * later campaign, after the retry gap, while the contact has attempts left.
 */
export function applyCall(attemptsBefore: number, call: ReportedCall, policy: RetryPolicy): ContactAfterCall {
  const attempts = attemptsBefore + 1;
  const connected = call.callResult === CallResult.Connected;
  const requeued = !connected && attempts < policy.maxAttempts;
  return {
    status: requeued ? ContactStatus.Waiting : ContactStatus.Done,
    attempts,
    callResult: call.callResult,
    failReason: connected ? null : call.failReason,
    intensionResult: connected ? call.intention : Intention.None,
    durationSec: connected ? call.durationSec : 0,
    calledAt: call.calledAt,
    recordId: call.recordId,
    requeued,
    nextAttemptAt: requeued ? new Date(call.calledAt.getTime() + policy.retryGapMinutes * 60_000) : null,
  };
}
