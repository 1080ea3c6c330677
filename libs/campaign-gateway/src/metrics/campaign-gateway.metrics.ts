import { RobotCallCircuitOpenError, RobotCallRejectedError, RobotCallTimeoutError } from '../errors/robot-call-errors';
import { RobotCall } from '../wire/robot-call';

/** How one call (retries included) ended. */
export type GatewayCallOutcome = 'ok' | 'rejected' | 'unavailable' | 'timeout' | 'circuit_open';

export const GATEWAY_CALL_OUTCOMES: readonly GatewayCallOutcome[] = [
  'ok',
  'rejected',
  'unavailable',
  'timeout',
  'circuit_open',
];

/**
 * What the client reports about each call: the port its code writes to. CampaignGatewayModule binds it to
 * PrometheusCampaignGatewayMetrics; a test may bind its own.
 */
export abstract class CampaignGatewayMetrics {
  abstract observeCall(call: RobotCall, outcome: GatewayCallOutcome, durationSeconds: number): void;
}

/** The outcome a failed call counts as: the client only ever raises the contract's three errors. */
export function gatewayOutcomeOf(error: unknown): GatewayCallOutcome {
  if (error instanceof RobotCallRejectedError) return 'rejected';
  if (error instanceof RobotCallCircuitOpenError) return 'circuit_open';
  if (error instanceof RobotCallTimeoutError) return 'timeout';
  return 'unavailable';
}
