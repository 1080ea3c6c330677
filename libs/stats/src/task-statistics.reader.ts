import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { summarizeCounters, TASK_COUNTERS_SQL, TaskStats } from './task-stats';

/**
 * A task's statistics from its counters (`ai_visitor_task_stats`: contacts and attempts by status, call result and
 * intention, kept by triggers in the same transaction as every contact change; migration TaskStatsCounters): one
 * query of a few dozen rows at most, whatever the task's size, never the contacts themselves. Read on the caller's
 * manager: in its transaction (`task.completed` carries the statistics as they are at the completion), or autocommit.
 * The port through which every statistic is read; no SQL of the counters leaves this lib.
 */
@Injectable()
export class TaskStatisticsReader {
  async read(manager: EntityManager, taskId: string): Promise<TaskStats> {
    return summarizeCounters(taskId, await manager.query(TASK_COUNTERS_SQL, [taskId]));
  }
}
