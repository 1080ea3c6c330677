/**
 * What one task's sync did: the one list of them. The use case's type and the metrics' label values are
 * derived from it, so a new action cannot be returned without its metric label existing from the start.
 */
export const SYNC_TASK_ACTIONS = [
  'none',
  'confirmed',
  'ingested',
  'next_campaign',
  'completed',
  'suspended',
  'resumed',
] as const;

export type SyncTaskAction = (typeof SYNC_TASK_ACTIONS)[number];

export interface SyncTaskOutcome {
  taskId: string;
  recordsStored: number;
  action: SyncTaskAction;
}
