import { Module } from '@nestjs/common';
import { GetTaskStats } from './get-task-stats.usecase';
import { TaskStatisticsReader } from './task-statistics.reader';

/**
 * A task's statistics: the counters' query and their summary, behind `TaskStatisticsReader` (which the task lib
 * reads for `task.completed`) and `GetTaskStats` (the API's route). Needs only the database root.
 */
@Module({ providers: [TaskStatisticsReader, GetTaskStats], exports: [TaskStatisticsReader, GetTaskStats] })
export class StatsModule {}
