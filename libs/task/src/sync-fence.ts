import { AsyncLocalStorage } from 'async_hooks';
import { DomainError, ErrorKind } from '@app/core';

/** The lease a worker holds on a task for one sync of it: the epoch is the fencing token. */
export interface SyncFence {
  taskId: string;
  epoch: string;
}

export class LeaseLostError extends DomainError {
  readonly code = 'SYNC_LEASE_LOST';
  readonly kind = ErrorKind.Conflict;
  constructor(taskId: string) {
    super(`The sync lease on task ${taskId} was lost (it expired and another worker took it): nothing written`);
  }
}

const storage = new AsyncLocalStorage<SyncFence>();

/**
 * Runs one task's sync under its lease. Every transaction of that sync locks the task row through
 * TaskRepository.lock, which checks the fence there, under the lock: a worker that wakes after its lease
 * expired and another worker took the task finds a newer epoch and writes nothing.
 */
export function runFenced<T>(fence: SyncFence, work: () => Promise<T>): Promise<T> {
  return storage.run(fence, work);
}

export function currentFence(): SyncFence | undefined {
  return storage.getStore();
}
