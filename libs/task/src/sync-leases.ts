import { Inject, Injectable } from '@nestjs/common';
import { EntityManager, In } from 'typeorm';
import { SqlDialect, TransactionRunner } from '@app/database';
import { TaskEntity } from './entities/task.entity';
import { ACTIVE_CALL_TASK_STATUSES, TaskStatus } from './domain/statuses';
import { TASK_SETTINGS, TaskSettings } from './task.settings';
import { SyncFence } from './sync-fence';

const SYNCABLE = [TaskStatus.Starting, TaskStatus.InProgress, TaskStatus.Paused];

/**
 * Leases on tasks for the sync, so several workers share it: a worker claims free (or expired) leases in
 * one short transaction, skipping rows another worker is claiming at that moment (SKIP LOCKED where the
 * engine has it); each claim is a conditional UPDATE that bumps the fencing epoch, so of two workers that
 * race for a task exactly one wins. Lease times are the database's clock, never a worker's.
 */
@Injectable()
export class SyncLeases {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly dialect: SqlDialect,
    @Inject(TASK_SETTINGS) private readonly settings: TaskSettings,
  ) {}

  async claim(owner: string, limit: number): Promise<SyncFence[]> {
    return (await this.tryClaim(owner, limit)).won;
  }

  /**
   * Claims up to `limit` leases. `contended` says candidates were seen but all were taken by other workers
   * at that moment (or locked by their claims), so trying again shortly may find more.
   */
  async tryClaim(owner: string, limit: number): Promise<{ won: SyncFence[]; contended: boolean }> {
    const now = this.dialect.nowPlus(0);
    return this.tx.run(async (manager) => {
      await this.dialect.intendToWrite(manager, 'ai_visitor_task');
      const candidates: { id: string | number }[] = await manager.query(
        `SELECT id FROM ai_visitor_task WHERE status IN (${SYNCABLE.join(', ')}) ` +
          `AND (lease_until IS NULL OR lease_until < ${now}) ORDER BY id LIMIT ${Math.trunc(limit)}${this.dialect.skipLockedClause()}`,
      );
      if (candidates.length < limit) candidates.push(...(await this.finishedStillReading(manager, limit - candidates.length, now)));
      const won = await this.claimEach(manager, owner, candidates.map((c) => String(c.id)));
      if (won.length === 0) return { won: [], contended: candidates.length > 0 || (await this.othersClaiming(manager)) };
      return { won, contended: false };
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

  /** One conditional update per task: of two workers racing for a task exactly one wins, and bumps the epoch. */
  private async claimEach(manager: EntityManager, owner: string, taskIds: readonly string[]): Promise<SyncFence[]> {
    const now = this.dialect.nowPlus(0);
    const won: string[] = [];
    for (const id of taskIds) {
      const result = await manager
        .createQueryBuilder()
        .update(TaskEntity)
        .set({
          leaseOwner: owner,
          leaseUntil: () => this.dialect.nowPlus(this.settings.syncLeaseSeconds),
          leaseEpoch: () => 'lease_epoch + 1',
        })
        .where('id = :id', { id })
        .andWhere(`(lease_until IS NULL OR lease_until < ${now})`)
        .execute();
      if ((result.affected ?? 0) === 1) won.push(id);
    }
    if (won.length === 0) return [];
    const rows = await manager.getRepository(TaskEntity).find({ select: { id: true, leaseEpoch: true }, where: { id: In(won) } });
    return rows.map((r) => ({ taskId: String(r.id), epoch: String(r.leaseEpoch) }));
  }

  /**
   * Finished tasks (a cancelled one, mostly) whose campaign is not finished yet: the sync reads it to its last
   * record before closing it. Few rows, found through the call tasks' status index; not locked (the claim's
   * conditional update decides who wins).
   */
  private async finishedStillReading(manager: EntityManager, limit: number, now: string): Promise<{ id: string | number }[]> {
    return manager.query(
      `SELECT DISTINCT t.id AS id FROM ai_visitor_call_task ct JOIN ai_visitor_task t ON t.id = ct.task_id ` +
        `WHERE ct.status IN (${ACTIVE_CALL_TASK_STATUSES.join(', ')}) AND t.status NOT IN (${SYNCABLE.join(', ')}) ` +
        `AND (t.lease_until IS NULL OR t.lease_until < ${now}) ORDER BY t.id LIMIT ${Math.trunc(limit)}`,
    );
  }

  /** Whether syncable tasks exist that this claim could not see (locked by another worker's claim, SKIP LOCKED). */
  private async othersClaiming(manager: EntityManager): Promise<boolean> {
    const now = this.dialect.nowPlus(0);
    const [row]: { n: string | number }[] = await manager.query(
      `SELECT COUNT(*) AS n FROM ai_visitor_task WHERE status IN (${SYNCABLE.join(', ')}) AND (lease_until IS NULL OR lease_until < ${now})`,
    );
    return Number(row?.n ?? 0) > 0;
  }

  /** Gives leases back at the end of a pass (only those still ours: same epoch). */
  async release(fences: readonly SyncFence[]): Promise<void> {
    for (const fence of fences) {
      await this.tx.run((manager) =>
        manager
          .createQueryBuilder()
          .update(TaskEntity)
          .set({ leaseOwner: null, leaseUntil: null })
          .where('id = :id AND lease_epoch = :epoch', { id: fence.taskId, epoch: fence.epoch })
          .execute(),
      );
    }
  }
}
