import { Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { ErrorKind, DomainError } from '@app/core';
import { SqlDialect } from './dialect/sql-dialect';

export class DatabaseBusyError extends DomainError {
  readonly code = 'DATABASE_BUSY';
  readonly kind = ErrorKind.Unavailable;
}

/**
 * `DATABASE_UNAVAILABLE`: the database could not be reached, or the connection broke mid-request
 * (`SqlDialect.isConnectionError`). Nothing is wrong with the request; it may succeed once the database is back.
 * The driver's own error (with the server's address) stays in the logs, never in the answer.
 */
export class DatabaseUnavailableError extends DomainError {
  readonly code = 'DATABASE_UNAVAILABLE';
  readonly kind = ErrorKind.Unavailable;

  constructor() {
    super('The database cannot be reached; try again shortly');
  }
}

const MAX_ATTEMPTS = 4;
const BASE_DELAY_MS = 20;

/**
 * Runs a unit of work in one transaction. InnoDB may roll a transaction back on a deadlock, and a lock-wait
 * timeout leaves it half done; both are safe to run again from the start, a bounded number of times, after
 * which the caller gets a clear DATABASE_BUSY (503) instead of a 500.
 */
@Injectable()
export class TransactionRunner {
  private readonly logger = new Logger(TransactionRunner.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly dialect: SqlDialect,
  ) {}

  /**
   * The manager for statements outside any transaction (each one commits on its own): what a repository method
   * is given for a plain read. Repository methods always take the manager they run on as their first argument.
   */
  get autocommit(): EntityManager {
    return this.dataSource.manager;
  }

  async run<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.dialect.transaction(this.dataSource, work);
      } catch (error) {
        if (!this.dialect.isTransientLockError(error)) throw error;
        if (attempt >= MAX_ATTEMPTS) {
          throw new DatabaseBusyError('The database is busy with a conflicting change; try again shortly');
        }
        const delay = BASE_DELAY_MS * 2 ** attempt * (0.5 + Math.random());
        this.logger.warn(`transaction hit a lock conflict (attempt ${attempt}); retrying in ${Math.round(delay)} ms`);
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }
}
