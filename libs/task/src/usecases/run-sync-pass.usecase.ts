import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { LogScope, maskPhonesInText, withinLogScope } from '@app/core';
import { TaskRepository } from '../repositories/task.repository';
import { SyncMetrics } from '../sync-metrics';
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

/**
 * One sync pass over every task that may have news, a few at a time; one task's failure never stops the rest.
 * Each task's sync runs in a log scope carrying its `taskId`, so every line it writes (here, in the sync, in
 * the gateway client) names the task; metrics and the log scope are optional, provided by the app.
 */
@Injectable()
export class RunSyncPass {
  private readonly logger = new Logger(RunSyncPass.name);

  constructor(
    private readonly tasks: TaskRepository,
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

  private async visitAll(started: number): Promise<SyncPassSummary> {
    const ids = await this.tasks.idsToSync(MAX_TASKS_PER_PASS);
    const summary: SyncPassSummary = { tasks: ids.length, failed: 0, recordsStored: 0, completed: 0, durationMs: 0 };
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < ids.length) {
        const taskId = ids[next++];
        await withinLogScope(this.logScope, { taskId: String(taskId) }, () => this.syncOne(taskId, summary));
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, this.settings.syncConcurrency) }, worker));
    summary.durationMs = Date.now() - started;
    return summary;
  }

  private async syncOne(taskId: string, summary: SyncPassSummary): Promise<void> {
    try {
      const outcome: SyncTaskOutcome = await this.syncTask.execute(taskId);
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
