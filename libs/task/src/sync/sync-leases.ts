import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { SqlDialect, TransactionRunner } from '@app/database';
import { TaskRepository } from '../repositories/task.repository';
import { SyncFence } from '../domain/sync-fence';
import { Clock } from '@app/core';

/** Tries at giving leases back before they are owed to the next claim or release (database away for a moment). */
const RELEASE_TRIES = 3;
const RELEASE_RETRY_MS = 200;
/** How often owed leases are tried again in the background, until given back. */
const OWED_RETRY_MS = 2_000;

/**
 * Leases on tasks for the sync, so several workers share it: a worker claims free (or expired) leases in
 * one short transaction, skipping rows another worker is claiming at that moment (SKIP LOCKED where the
 * engine has it); each claim is a conditional UPDATE that bumps the fencing epoch, so of two workers that
 * race for a task exactly one wins. Lease times are the database's clock, never a worker's. The statements
 * are TaskRepository's (the one writer of a task); this is the claiming policy.
 *
 * No lease outlives the pass that took it by more than a few seconds of the database's return: a release that fails
 * (the database away) is tried again a few times, then owed; owed leases are given back in the background every
 * OWED_RETRY_MS, and before every later claim or release of the process, whichever comes first (also in the API,
 * whose campaign-end follow-ups take leases and may not claim again soon). Only a crashed process's leases wait for
 * SYNC_LEASE_SECONDS.
 */
@Injectable()
export class SyncLeases {
  private readonly logger = new Logger(SyncLeases.name);
  /** Leases whose release failed, given back at the next claim or release (each only while still its fence's). */
  private owed: SyncFence[] = [];
  private owedRetry?: NodeJS.Timeout;

  constructor(
    private readonly tx: TransactionRunner,
    private readonly dialect: SqlDialect,
    private readonly tasks: TaskRepository,
    private readonly clock: Clock,
  ) {}

  async claim(owner: string, limit: number): Promise<SyncFence[]> {
    return (await this.tryClaim(owner, limit)).won;
  }

  /**
   * Claims up to `limit` leases of tasks with an id above `after` (a pass walks the tasks in id order, so it
   * visits each once however soon it gives a lease back). `last` is the highest candidate id looked at: the
   * next claim of the pass starts after it, also past candidates another worker won. `contended` says no
   * candidate could be looked at because other workers' claims had them locked, so trying again shortly may
   * find some.
   */
  async tryClaim(
    owner: string,
    limit: number,
    after = '0',
  ): Promise<{ won: SyncFence[]; contended: boolean; last: string | null }> {
    await this.settleOwed();
    return this.tx.run(async (manager) => {
      await this.dialect.intendToWrite(manager, 'ai_visitor_task');
      const now = this.clock.now();
      // Live tasks and finished tasks still reading their campaign, merged in id order: the pass's cursor never
      // walks past a task of either kind (a cancelled task among more live tasks than a claim batch is claimed in
      // its turn, not only once the live ones run out).
      const live = await this.tasks.leaseCandidates(manager, limit, now, after);
      const upTo = live.length === limit ? String(live[live.length - 1].id) : null;
      const reading = await this.tasks.finishedStillReading(manager, limit, after, upTo);
      const candidates = [...live, ...reading].sort((a, b) => Number(a.id) - Number(b.id)).slice(0, limit);
      const last = candidates.length ? String(candidates[candidates.length - 1].id) : null;
      const won = await this.claimEach(
        manager,
        owner,
        candidates.map((c) => String(c.id)),
      );
      if (won.length === 0)
        return {
          won: [],
          contended: candidates.length === 0 && (await this.tasks.anyLeaseFree(manager, now, after)),
          last,
        };
      return { won, contended: false, last };
    });
  }

  /** Claims the leases of these tasks that are free now (the edge pass: tasks at a window or BOT edge). */
  async claimTasks(owner: string, taskIds: readonly string[]): Promise<SyncFence[]> {
    await this.settleOwed();
    if (taskIds.length === 0) return [];
    return this.tx.run(async (manager) => {
      await this.dialect.intendToWrite(manager, 'ai_visitor_task');
      return this.claimEach(manager, owner, taskIds);
    });
  }

  /** One conditional UPDATE for the candidates and one read of the fences won, whatever their number. */
  private claimEach(manager: EntityManager, owner: string, taskIds: readonly string[]): Promise<SyncFence[]> {
    return this.tasks.claimLeases(manager, taskIds, owner);
  }

  /**
   * Gives leases back (only those still ours: same epoch), with any owed, in one transaction. Never throws: a
   * release that keeps failing is owed (see the class).
   */
  async release(fences: readonly SyncFence[]): Promise<void> {
    const all = [...this.owed, ...fences];
    this.owed = [];
    if (all.length === 0) return;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.tx.run((manager) => this.tasks.releaseLeases(manager, all));
        return;
      } catch (error) {
        if (attempt >= RELEASE_TRIES) {
          this.owe(all);
          this.logger.warn(
            `could not give back ${all.length} lease(s), given back once the database answers: ${(error as Error).message}`,
          );
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, RELEASE_RETRY_MS * attempt));
      }
    }
  }

  /** Leases owed by a failed release, given back before anything else is claimed. */
  private async settleOwed(): Promise<void> {
    if (this.owed.length === 0) return;
    const owed = this.owed;
    this.owed = [];
    try {
      await this.tx.run((manager) => this.tasks.releaseLeases(manager, owed));
    } catch (error) {
      this.owe(owed);
      throw error;
    }
  }

  /** Keeps leases to give back, and tries again in the background until they are (never keeping a process alive). */
  private owe(fences: readonly SyncFence[]): void {
    this.owed.push(...fences);
    if (this.owedRetry) return;
    this.owedRetry = setTimeout(() => {
      this.owedRetry = undefined;
      this.settleOwed().catch(() => undefined); // still away: owed again, and retried
    }, OWED_RETRY_MS);
    this.owedRetry.unref();
  }
}
