import { applyCall, ReportedCall } from './call-outcome';
import { CallResult, ContactStatus, Intention } from './statuses';

const calledAt = new Date('2026-11-28T02:00:00.000Z');
const connected: ReportedCall = {
  recordId: 'rec_1', callResult: CallResult.Connected, failReason: null, intention: Intention.Interested, durationSec: 42, calledAt,
};
const failed: ReportedCall = {
  recordId: 'rec_2', callResult: CallResult.Failed, failReason: 'no_answer', intention: Intention.None, durationSec: 0, calledAt,
};
const policy = { maxAttempts: 3, retryGapMinutes: 30 };

describe('applyCall', () => {
  it('a connected call is final and keeps the intention', () => {
    const sut = applyCall(0, connected, policy);
    expect(sut).toMatchObject({
      status: ContactStatus.Done, attempts: 1, callResult: CallResult.Connected, intensionResult: Intention.Interested,
      durationSec: 42, requeued: false, nextAttemptAt: null,
    });
  });

  it('a failed call is queued again after the gap while attempts remain', () => {
    const sut = applyCall(1, failed, policy);
    expect(sut).toMatchObject({ status: ContactStatus.Waiting, attempts: 2, callResult: CallResult.Failed, requeued: true });
    expect(sut.nextAttemptAt).toEqual(new Date(calledAt.getTime() + 30 * 60_000));
  });

  it('the last allowed failed attempt makes the contact done with a failed result', () => {
    const sut = applyCall(2, failed, policy);
    expect(sut).toMatchObject({ status: ContactStatus.Done, attempts: 3, callResult: CallResult.Failed, failReason: 'no_answer', requeued: false });
  });

  it('with one attempt allowed a failure is final at once', () => {
    expect(applyCall(0, failed, { maxAttempts: 1, retryGapMinutes: 0 }).status).toBe(ContactStatus.Done);
  });

  it('ignores an intention reported on a failed call', () => {
    expect(applyCall(0, { ...failed, intention: Intention.Interested }, policy).intensionResult).toBe(Intention.None);
  });
});
