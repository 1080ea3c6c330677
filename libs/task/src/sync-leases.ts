import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { SqlDialect, TransactionRunner } from '@app/database';
import { TaskRepository } from './repositories/task.repository';
import { SyncFence } from './sync-fence';
import { Clock } from '@app/core';

/**
 * Leases on tasks for the sync, so several workers share it: a worker claims free (or expired) leases in
 * one short transaction, skipping rows another worker is claiming at that moment (SKIP LOCKED where the
 * engine has it); each claim is a conditional UPDATE that bumps the fencing epoch, so of two workers that
 * race for a task exactly one wins. Lease times are the database's clock, never a worker's. The statements
 * are TaskRepository's (the one writer of a task); this is the claiming policy.
 */
@Injectable()
export class SyncLeases {
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
  async tryClaim(owner: string, limit: number, after = '0'): Promise<{ won: SyncFence[]; contended: boolean; last: string | null }> {
    return this.tx.run(async (manager) => {
      await this.dialect.intendToWrite(manager, 'ai_visitor_task');
      const now = this.clock.now();
      const candidates = await this.tasks.leaseCandidates(manager, limit, now, after);
      if (candidates.length < limit) candidates.push(...(await this.tasks.finishedStillReading(manager, limit - candidates.length, after)));
      const last = candidates.length ? String(Math.max(...candidates.map((c) => Number(c.id)))) : null;
      const won = await this.claimEach(manager, owner, candidates.map((c) => String(c.id)));
      if (won.length === 0) return { won: [], contended: candidates.length === 0 && (await this.tasks.anyLeaseFree(manager, now, after)), last };
      return { won, contended: false, last };
    });
  }

  /** Claims the leases of these tasks that are free now (the edge pass: tasks at a window or BOT edge). */
  async claimTasks(owner: string, taskIds: readonly string[]): Promise<SyncFence[]> {
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

  /** Gives leases back at the end of a pass (only those still ours: same epoch), in one transaction. */
  async release(fences: readonly SyncFence[]): Promise<void> {
    if (fences.length === 0) return;
    await this.tx.run((manager) => this.tasks.releaseLeases(manager, fences));
  }
}
