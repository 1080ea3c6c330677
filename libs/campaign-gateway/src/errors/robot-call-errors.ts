import { DomainError, ErrorKind, maskPhonesInText } from '@app/core';
import { RobotCall } from '../wire/robot-call';

/**
 * No answer in time after the retries. For an `add` the outcome is unknown: the caller retries later with
 * the same request id, which returns the campaign if it was created.
 */
export class RobotCallTimeoutError extends DomainError {
  readonly code = 'ROBOT_CALL_TIMEOUT';
  readonly kind = ErrorKind.UpstreamTimeout;

  constructor(call: RobotCall, attempts: number) {
    super(`The robot-call platform did not answer ${call} in time (${attempts} attempt(s))`, { call, attempts });
  }
}

/** Network failure, a 5xx/5xxxx after the retries, or an answer that breaks the contract. */
export class RobotCallUnavailableError extends DomainError {
  readonly code = 'ROBOT_CALL_UNAVAILABLE';
  readonly kind = ErrorKind.UpstreamUnavailable;

  constructor(
    call: RobotCall,
    reason: string,
    details: { attempts?: number; httpStatus?: number; remoteCode?: number } = {},
  ) {
    // The reason may quote the platform's own text, which could echo a phone number.
    super(`The robot-call platform failed ${call}: ${maskPhonesInText(reason)}`, { call, ...details });
  }
}

/**
 * The circuit breaker is open: the platform failed most recent calls, so calls fail fast for a while instead
 * of hammering it; a trial call after the reset time closes the breaker again when it answers.
 */
export class RobotCallCircuitOpenError extends RobotCallUnavailableError {
  constructor(call: RobotCall) {
    super(call, 'the robot-call platform failed most recent calls; calls are paused for a moment (circuit open)', {
      attempts: 0,
    });
  }
}

/** A 4xxxx refusal: retrying the same request cannot succeed. */
export class RobotCallRejectedError extends DomainError {
  readonly code = 'ROBOT_CALL_REJECTED';
  readonly kind = ErrorKind.UpstreamUnavailable;

  constructor(
    call: RobotCall,
    readonly remoteCode: number,
    remoteMessage: string,
  ) {
    super(`The robot-call platform refused ${call} with ${remoteCode}: ${maskPhonesInText(remoteMessage)}`, {
      call,
      remoteCode,
    });
  }
}
