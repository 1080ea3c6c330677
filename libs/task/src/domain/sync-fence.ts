import { DomainError, ErrorKind } from '@app/core';

/**
 * The lease a worker holds on a task for one sync of it: the epoch is the fencing token. The sync passes it to
 * every `TaskRepository.lock` it takes, which checks it there, under the lock: a worker that wakes after its
 * lease expired and another worker took the task finds a newer epoch and writes nothing.
 */
export interface SyncFence {
  taskId: string;
  epoch: string;
  /**
   * When this process last extended the lease (`performance.now()` ms; set at the claim). A lock renews it only
   * once a third of SYNC_LEASE_SECONDS has passed, not at every page: the fence is still checked at every lock.
   * Absent: renewed at the next lock.
   */
  renewedAt?: number;
}

export class LeaseLostError extends DomainError {
  readonly code = 'SYNC_LEASE_LOST';
  readonly kind = ErrorKind.Conflict;
  constructor(taskId: string) {
    super(`The sync lease on task ${taskId} was lost (it expired and another worker took it): nothing written`);
  }
}
