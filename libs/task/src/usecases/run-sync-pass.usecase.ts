import { Inject, Injectable, Logger } from '@nestjs/common';
import { maskPhonesInText } from '@app/core';
import { TaskRepository } from '../repositories/task.repository';
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

/** One sync pass over every task that may have news, a few at a time; one task's failure never stops the rest. */
@Injectable()
export class RunSyncPass {
  private readonly logger = new Logger(RunSyncPass.name);

  constructor(
    private readonly tasks: TaskRepository,
    private readonly syncTask: SyncTask,
    @Inject(TASK_SETTINGS) private readonly settings: TaskSettings,
  ) {}

  async execute(): Promise<SyncPassSummary> {
    const started = Date.now();
    const ids = await this.tasks.idsToSync(MAX_TASKS_PER_PASS);
    const summary: SyncPassSummary = { tasks: ids.length, failed: 0, recordsStored: 0, completed: 0, durationMs: 0 };
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < ids.length) {
        const taskId = ids[next++];
        try {
          const outcome: SyncTaskOutcome = await this.syncTask.execute(taskId);
          summary.recordsStored += outcome.recordsStored;
          if (outcome.action === 'completed') summary.completed++;
        } catch (error) {
          summary.failed++;
          const message = error instanceof Error ? error.message : String(error);
          this.logger.error(`sync of task ${taskId} failed: ${maskPhonesInText(message)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, this.settings.syncConcurrency) }, worker));
    summary.durationMs = Date.now() - started;
    return summary;
  }
}
