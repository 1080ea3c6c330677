import { AxiosError, AxiosResponse } from 'axios';
import { isNetworkError } from 'axios-retry';
import { isServerFailureCode, readEnvelope } from '../wire/envelope';

/** Axios reports its own per-attempt timeout with one of these codes. */
export function isTimeout(error: AxiosError): boolean {
  return error.code === AxiosError.ECONNABORTED || error.code === AxiosError.ETIMEDOUT;
}

/**
 * The envelope decides, since gateways may answer 200 with a failure code or a 5xx with a refusal; the
 * HTTP status only counts when there is no envelope to trust.
 */
export function isRetryableResponse(response: AxiosResponse): boolean {
  const envelope = readEnvelope(response.data);
  return envelope ? isServerFailureCode(envelope.code) : response.status >= 500;
}

/** Retry network errors, timeouts, 5xx and 5xxxx; never a 4xx/4xxxx refusal. */
export function isRetryableError(error: AxiosError): boolean {
  if (error.response) return isRetryableResponse(error.response);
  return isTimeout(error) || isNetworkError(error);
}

/**
 * Exponential backoff with "equal jitter": at least half the step, so a retry never fires at once, and a
 * random other half, so many clients failing together do not retry in lockstep.
 */
export function backoffDelayMs(retryNumber: number, baseDelayMs: number, random: () => number = Math.random): number {
  const step = baseDelayMs * 2 ** Math.max(0, retryNumber - 1);
  return step / 2 + (random() * step) / 2;
}
