import { DomainError } from '@app/core';

/** The error `promise` rejects with; fails the spec if it resolves. */
export async function rejectionOf<E extends Error = DomainError>(promise: Promise<unknown>): Promise<E> {
  try {
    await promise;
  } catch (error) {
    return error as E;
  }
  throw new Error('expected a rejection, but the promise resolved');
}
