import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { failpoint, LogScope, maskPhonesInText, withinLogScope } from '@app/core';
import { hostname } from 'os';
import { randomBytes } from 'crypto';
import { SyncLeases } from './sync-leases';
import { SyncFence } from '../domain/sync-fence';
import { BotChecks } from '../domain/edges';
import { SyncMetrics } from './sync-metrics';
import { TASK_SETTINGS, TaskSettings } from '../task.settings';
import { KnownTask, SyncTask, SyncTaskOutcome } from './sync-task.usecase';

export interface SyncPassSummary {
  tasks: number;
  failed: number;
  recordsStored: number;
  completed: number;
  durationMs: number;
}

/**
 * Tasks visited per pass at most, a bound on one pass's length (100,000 live tasks take about 4 minutes at the
 * default SYNC_CONCURRENCY with the platform answering in 100 ms); a larger backlog is picked up by the next pass.
 * It was 10,000, which cut the bench's pass over 10,000 live tasks and 2,000 waiting ones short.
 */
const MAX_TASKS_PER_PASS = 100_000;
/** Leases claimed per concurrency slot at a time: enough to keep slots busy, few enough to share with others. */
const CLAIM_BATCH_PER_SLOT = 4;
/** Claims in a row that found every candidate taken by other workers before this pass gives up. */
const MAX_CONTENDED_ROUNDS = 5;

/**
 * One sync pass over every task that may have news, a few at a time; one task's failure never stops the rest.
 * Each task's sync runs in a log scope carrying its `taskId`, so every line it writes (here, in the sync, in
 * the gateway client) names the task; metrics and the log scope are optional, provided by the app.
 */
@Injectable()
export class RunSyncPass {
  private readonly logger = new Logger(RunSyncPass.name);
  /** Who holds the leases: host, process and this instance. */
  readonly owner = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`.slice(0, 64);

  constructor(
    private readonly leases: SyncLeases,
    private readonly syncTask: SyncTask,
    @Inject(TASK_SETTINGS) private readonly settings: TaskSettings,
    @Optional() private readonly metrics?: SyncMetrics,
    @Optional() private readonly logScope?: LogScope,
  ) {}

  async execute(): Promise<SyncPassSummary> {
    const started = Date.now();
    try {
      const summary = await this.visitAll(started);
      this.metrics?.passFinished(summary.failed > 0 ? 'partial' : 'ok', summary.durationMs / 1000);
      return summary;
    } catch (error) {
      this.metrics?.passFinished('error', (Date.now() - started) / 1000);
      throw error;
    }
  }

  /**
   * Claims leases a batch at a time and syncs the claimed tasks, `syncConcurrency` at once, until nothing is left
   * to claim. The next batch is claimed while the current one still runs (once fewer tasks than slots wait), so no
   * slot idles at a batch's end: a pass over thousands of tasks that each wait on the platform keeps every slot
   * busy. A pass walks the tasks in id order, so it syncs each task once; a task's lease is given back soon after
   * its sync (a few at a time), so another worker's pass may take the task on meanwhile. A crashed worker's
   * leases expire after SYNC_LEASE_SECONDS and another worker takes over.
   */
  private async visitAll(started: number): Promise<SyncPassSummary> {
    const summary: SyncPassSummary = { tasks: 0, failed: 0, recordsStored: 0, completed: 0, durationMs: 0 };
    const held: SyncFence[] = [];
    const concurrency = Math.max(1, this.settings.syncConcurrency);
    const bots = this.syncTask.passBotChecks();
    const queue: { fence: SyncFence; known?: KnownTask }[] = [];
    let exhausted = false;
    let claiming: Promise<void> | null = null;
    let contendedRounds = 0;
    let claimFailure: { error: unknown } | undefined;
    /** The pass walks the tasks in id order: each claim starts after the last candidate looked at. */
    let after = '0';
    /** Synced, lease not given back yet: given back a few at a time, so another worker may take the task on. */
    let done: SyncFence[] = [];
    const giveBack = async (fences: SyncFence[]): Promise<void> => {
      if (fences.length === 0) return;
      await this.leases.release(fences); // never throws: a failed release is owed to the next claim (SyncLeases)
      for (const f of fences) {
        const at = held.indexOf(f);
        if (at >= 0) held.splice(at, 1);
      }
    };

    /** Claims one more batch into the queue, or finds there is nothing left (one claim at a time). */
    const claimMore = (): Promise<void> =>
      (claiming ??= (async () => {
        try {
          while (!exhausted) {
            if (summary.tasks >= MAX_TASKS_PER_PASS) {
              exhausted = true;
              return;
            }
            const {
              won: batch,
              contended,
              last,
            } = await this.leases.tryClaim(this.owner, concurrency * CLAIM_BATCH_PER_SLOT, after);
            if (last) after = last;
            if (batch.length === 0) {
              // Every candidate went to another worker: the pass goes on after them.
              if (last) continue;
              // Other workers' claims had them locked at that instant: look again shortly, a bounded number of times.
              if (!contended || ++contendedRounds > MAX_CONTENDED_ROUNDS) exhausted = true;
              else await new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 40));
              continue;
            }
            contendedRounds = 0;
            held.push(...batch);
            failpoint('pass.after-claim');
            summary.tasks += batch.length;
            // The batch's tasks and campaigns in two queries, not two per task (most tasks of a pass have no news).
            const known = await this.syncTask.knownTasks(batch.map((f) => f.taskId));
            for (const fence of batch) queue.push({ fence, known: known.get(fence.taskId) });
            return;
          }
        } catch (error) {
          // The pass stops claiming and fails once the tasks already claimed are synced (a claim started in
          // the background is awaited by no slot: its failure is kept here).
          exhausted = true;
          claimFailure ??= { error };
          throw error;
        } finally {
          claiming = null;
        }
      })());

    const slot = async (): Promise<void> => {
      for (;;) {
        if (queue.length < concurrency && !exhausted && !claiming) claimMore().catch(() => undefined);
        while (queue.length === 0 && !exhausted) await claimMore();
        const next = queue.shift();
        if (!next) return;
        failpoint('task.before-sync');
        await withinLogScope(this.logScope, { taskId: next.fence.taskId }, () =>
          this.syncOne(next.fence, summary, bots, next.known),
        );
        done.push(next.fence);
        if (done.length >= concurrency) {
          const batch = done;
          done = [];
          await giveBack(batch);
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: concurrency }, slot));
    } finally {
      // A claim still running when a slot failed: wait for it, so its leases are given back too.
      await (claiming as Promise<void> | null)?.catch(() => undefined);
      failpoint('pass.before-release');
      await this.leases.release(held);
    }
    if (claimFailure) throw claimFailure.error;
    summary.durationMs = Date.now() - started;
    return summary;
  }

  private async syncOne(
    fence: SyncFence,
    summary: SyncPassSummary,
    bots: BotChecks,
    known: KnownTask | undefined,
  ): Promise<void> {
    const taskId = fence.taskId;
    try {
      const outcome: SyncTaskOutcome = await this.syncTask.execute({ taskId, fence, bots, known });
      summary.recordsStored += outcome.recordsStored;
      if (outcome.action === 'completed') summary.completed++;
      this.metrics?.taskSynced(outcome.action, outcome.recordsStored);
      this.logger.debug(`task ${taskId} synced: ${outcome.action}, ${outcome.recordsStored} record(s) stored`);
    } catch (error) {
      summary.failed++;
      this.metrics?.taskSynced('failed', 0);
      const message = error instanceof Error ? error.message : String(error);
      this.logger.error(`sync of task ${taskId} failed: ${maskPhonesInText(message)}`);
    }
  }
}
