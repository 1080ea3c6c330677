import { applyCall, ReportedCall } from './call-outcome';
import { CallResult, ContactStatus, Intention } from './statuses';

const calledAt = new Date('2026-11-28T02:00:00.000Z');
const tomorrow = new Date('2026-11-29T01:00:00.000Z');
const callbackAt = () => tomorrow;
const connected: ReportedCall = {
  recordId: 'rec_1',
  callResult: CallResult.Connected,
  failReason: null,
  intention: Intention.Interested,
  durationSec: 42,
  calledAt,
};
const failed: ReportedCall = {
  recordId: 'rec_2',
  callResult: CallResult.Failed,
  failReason: 'no_answer',
  intention: Intention.None,
  durationSec: 0,
  calledAt,
};
const policy = { maxAttempts: 3, retryGapMinutes: 30 };
const fresh = { attempts: 0, callbackCount: 0 };

describe('applyCall', () => {
  it('a connected call is final and keeps the intention', () => {
    const sut = applyCall(fresh, connected, policy, callbackAt);
    expect(sut).toMatchObject({
      status: ContactStatus.Done,
      attempts: 1,
      callResult: CallResult.Connected,
      intensionResult: Intention.Interested,
      durationSec: 42,
      requeued: false,
      nextAttemptAt: null,
    });
  });

  it('a failed call is queued again after the gap while attempts remain', () => {
    const sut = applyCall({ attempts: 1, callbackCount: 0 }, failed, policy, callbackAt);
    expect(sut).toMatchObject({
      status: ContactStatus.Waiting,
      attempts: 2,
      callResult: CallResult.Failed,
      requeued: true,
    });
    expect(sut.nextAttemptAt).toEqual(new Date(calledAt.getTime() + 30 * 60_000));
  });

  it('the last allowed failed attempt makes the contact done with a failed result', () => {
    const sut = applyCall({ attempts: 2, callbackCount: 0 }, failed, policy, callbackAt);
    expect(sut).toMatchObject({
      status: ContactStatus.Done,
      attempts: 3,
      callResult: CallResult.Failed,
      failReason: 'no_answer',
      requeued: false,
    });
  });

  it('with one attempt allowed a failure is final at once', () => {
    expect(applyCall(fresh, failed, { maxAttempts: 1, retryGapMinutes: 0 }, callbackAt).status).toBe(
      ContactStatus.Done,
    );
  });

  it('ignores an intention reported on a failed call', () => {
    expect(applyCall(fresh, { ...failed, intention: Intention.Interested }, policy, callbackAt).intensionResult).toBe(
      Intention.None,
    );
  });

  it('"inconvenient now" is called once more, in the later window; the second time it is final', () => {
    const inconvenient = { ...connected, intention: Intention.Inconvenient };
    const first = applyCall(fresh, inconvenient, policy, callbackAt);
    expect(first).toMatchObject({
      status: ContactStatus.Waiting,
      requeued: true,
      callbackCount: 1,
      nextAttemptAt: tomorrow,
    });
    const second = applyCall(
      { attempts: first.attempts, callbackCount: first.callbackCount },
      inconvenient,
      policy,
      callbackAt,
    );
    expect(second).toMatchObject({
      status: ContactStatus.Done,
      requeued: false,
      callbackCount: 1,
      intensionResult: Intention.Inconvenient,
    });
  });
});
