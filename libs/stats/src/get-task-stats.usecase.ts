import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { summarizeCounters, TASK_COUNTERS_SQL, TaskAccess, TaskStats } from '@app/task';

export type { TaskStats };

/**
 * SPEC §3 statistics, read from the task's counters (`ai_visitor_task_stats`: contacts and attempts by status,
 * call result and intention, kept by triggers in the same transaction as every contact change; see migration
 * TaskStatsCounters): a few dozen rows at most, whatever the task's size, never the contacts themselves.
 * Intentions come from `intension_result` (the review's slip read them from `call_result`).
 */
@Injectable()
export class GetTaskStats {
  constructor(private readonly dataSource: DataSource) {}

  /** One query: the counter rows of a task the caller was granted access to (the ownership check is the grant's). */
  async execute({ access }: { access: TaskAccess }): Promise<TaskStats> {
    return summarizeCounters(access.taskId, await this.dataSource.query(TASK_COUNTERS_SQL, [access.taskId]));
  }
}
