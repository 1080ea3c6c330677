import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { failpoint, LogScope, maskPhonesInText, withinLogScope } from '@app/core';
import { hostname } from 'os';
import { randomBytes } from 'crypto';
import { SyncLeases } from '../sync-leases';
import { SyncFence } from '../sync-fence';
import { BotChecks } from '../domain/edges';
import { SyncMetrics } from '../metrics/sync-metrics';
import { TASK_SETTINGS, TaskSettings } from '../task.settings';
import { SyncTask, SyncTaskOutcome } from './sync-task.usecase';

export interface SyncPassSummary {
  tasks: number;
  failed: number;
  recordsStored: number;
  completed: number;
  durationMs: number;
}

/** Tasks visited per pass; a larger backlog is picked up by the next pass. */
const MAX_TASKS_PER_PASS = 10_000;
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
   * Claims leases a batch at a time and syncs the claimed tasks, a few at once, until nothing is left to
   * claim. Leases are kept until the pass ends, so a task is synced once per pass even with several workers,
   * then given back; a crashed worker's leases expire after SYNC_LEASE_SECONDS and another worker takes over.
   */
  private async visitAll(started: number): Promise<SyncPassSummary> {
    const summary: SyncPassSummary = { tasks: 0, failed: 0, recordsStored: 0, completed: 0, durationMs: 0 };
    const held: SyncFence[] = [];
    const concurrency = Math.max(1, this.settings.syncConcurrency);
    const bots = this.syncTask.passBotChecks();
    try {
      let contendedRounds = 0;
      while (summary.tasks < MAX_TASKS_PER_PASS) {
        const { won: batch, contended } = await this.leases.tryClaim(this.owner, concurrency * CLAIM_BATCH_PER_SLOT);
        if (batch.length === 0) {
          // Other workers were claiming at that instant: look again shortly, a bounded number of times.
          if (!contended || ++contendedRounds > MAX_CONTENDED_ROUNDS) break;
          await new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 40));
          continue;
        }
        contendedRounds = 0;
        held.push(...batch);
        failpoint('pass.after-claim');
        summary.tasks += batch.length;
        let next = 0;
        const slot = async (): Promise<void> => {
          while (next < batch.length) {
            const fence = batch[next++];
            failpoint('task.before-sync');
            await withinLogScope(this.logScope, { taskId: fence.taskId }, () => this.syncOne(fence, summary, bots));
          }
        };
        await Promise.all(Array.from({ length: concurrency }, slot));
      }
    } finally {
      failpoint('pass.before-release');
      await this.leases.release(held).catch((error: Error) => this.logger.warn(`could not release leases: ${error.message}`));
    }
    summary.durationMs = Date.now() - started;
    return summary;
  }

  private async syncOne(fence: SyncFence, summary: SyncPassSummary, bots: BotChecks): Promise<void> {
    const taskId = fence.taskId;
    try {
      const outcome: SyncTaskOutcome = await this.syncTask.execute(taskId, fence, bots);
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
