import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { TaskStats } from './task-stats';
import { TaskStatisticsReader } from './task-statistics.reader';

/** The grant a caller holds on one task (the task lib's `TaskAccess` is one): the ownership check is the grant's. */
export interface StatsAccess {
  readonly taskId: string;
}

/** Whose statistics: a task the caller was granted access to. */
export interface GetTaskStatsQuery {
  access: StatsAccess;
}

/**
 * SPEC §3 statistics, read from the task's counters (TaskStatisticsReader). Intentions come from
 * `intension_result` (the review's slip read them from `call_result`).
 */
@Injectable()
export class GetTaskStats {
  constructor(
    private readonly dataSource: DataSource,
    private readonly reader: TaskStatisticsReader,
  ) {}

  async execute({ access }: GetTaskStatsQuery): Promise<TaskStats> {
    return this.reader.read(this.dataSource.manager, access.taskId);
  }
}
