export enum CampaignStatus {
  New = 0,
  Running = 1,
  Paused = 2,
  Finished = 3,
}

export type CampaignAction = 'start' | 'pause' | 'stop';

export const CAMPAIGN_ACTIONS: readonly CampaignAction[] = ['start', 'pause', 'stop'];

/** Statuses each action may leave from; asking for the status already held is a no-op success (README). */
const ALLOWED_FROM: Readonly<Record<CampaignAction, readonly CampaignStatus[]>> = {
  start: [CampaignStatus.New, CampaignStatus.Paused, CampaignStatus.Running],
  pause: [CampaignStatus.Running, CampaignStatus.Paused],
  stop: [CampaignStatus.New, CampaignStatus.Running, CampaignStatus.Paused, CampaignStatus.Finished],
};

const TARGET: Readonly<Record<CampaignAction, CampaignStatus>> = {
  start: CampaignStatus.Running,
  pause: CampaignStatus.Paused,
  stop: CampaignStatus.Finished,
};

/** The status `action` leads to from `current`, or null when the contract refuses it (40900). */
export function transition(current: CampaignStatus, action: CampaignAction): CampaignStatus | null {
  return ALLOWED_FROM[action].includes(current) ? TARGET[action] : null;
}
