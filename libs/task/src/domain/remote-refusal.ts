import { RobotCallRejectedError } from '@app/campaign-gateway';

/** Contract code 40900: the campaign's current status does not allow the transition (e.g. it already finished). */
const TRANSITION_REFUSED = 40900;

export function isTransitionRefused(error: unknown): boolean {
  return error instanceof RobotCallRejectedError && error.remoteCode === TRANSITION_REFUSED;
}
