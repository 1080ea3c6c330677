import { Module } from '@nestjs/common';
import { GetTaskStats } from './get-task-stats.usecase';

/**
 * Reporting over tasks: reads the task lib's counter table (kept by its triggers) through SQL only, with the
 * task lib's vocabulary (statuses, results, intentions) and a `TaskAccess` grant; no task-lib provider.
 */
@Module({ providers: [GetTaskStats], exports: [GetTaskStats] })
export class StatsModule {}
