import { AxiosResponse, isAxiosError } from 'axios';
import { RobotCallRejectedError, RobotCallTimeoutError, RobotCallUnavailableError } from '../errors/robot-call-errors';
import { isServerFailureCode, OK_CODE, readEnvelope } from '../wire/envelope';
import { RobotCall } from '../wire/robot-call';
import { asObject, ShapeError, WireObject } from '../wire/shape';
import { isTimeout } from './retry-policy';

/** The `data` of a successful answer, or the contract's error for any other answer. */
export function dataOf(call: RobotCall, response: AxiosResponse): WireObject {
  const attempts = attemptsOf(response.config);
  const envelope = readEnvelope(response.data);
  if (!envelope) {
    throw new RobotCallUnavailableError(call, `answered HTTP ${response.status} without an envelope`, {
      attempts,
      httpStatus: response.status,
    });
  }
  if (isServerFailureCode(envelope.code)) {
    throw new RobotCallUnavailableError(call, `answered ${envelope.code} ${envelope.message}`, {
      attempts,
      httpStatus: response.status,
      remoteCode: envelope.code,
    });
  }
  if (envelope.code !== OK_CODE) throw new RobotCallRejectedError(call, envelope.code, envelope.message);
  try {
    return asObject(envelope.data, 'data');
  } catch (error) {
    throw unexpectedShape(call, error);
  }
}

/**
 * Maps a failed request (after the retries) to the contract's errors. The axios error itself is dropped,
 * not wrapped: its config holds the request body, phone numbers included, which a logger would print.
 */
export function failureOf(call: RobotCall, error: unknown): Error {
  if (!isAxiosError(error)) return error instanceof Error ? error : new Error(String(error));
  if (error.response) {
    try {
      dataOf(call, error.response);
    } catch (mapped) {
      return mapped as Error;
    }
    // A 2xx/code-0 answer never arrives here (it resolves), but fail closed rather than return nothing.
    return new RobotCallUnavailableError(call, `answered HTTP ${error.response.status}`);
  }
  const attempts = attemptsOf(error.config);
  if (isTimeout(error)) return new RobotCallTimeoutError(call, attempts);
  return new RobotCallUnavailableError(call, `network error ${error.code ?? 'unknown'}`, { attempts });
}

export function unexpectedShape(call: RobotCall, error: unknown): Error {
  if (!(error instanceof ShapeError)) return error as Error;
  return new RobotCallUnavailableError(call, `answered with an unexpected shape: ${error.message}`);
}

function attemptsOf(config: { 'axios-retry'?: { retryCount?: number } } | undefined): number {
  return (config?.['axios-retry']?.retryCount ?? 0) + 1;
}
