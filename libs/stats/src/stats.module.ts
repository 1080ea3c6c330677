import { Module } from '@nestjs/common';
import { GetTaskStats } from './get-task-stats.usecase';

/** Reporting over tasks; reads the task lib's tables through aggregate SQL only. Needs TaskModule's exports. */
@Module({ providers: [GetTaskStats], exports: [GetTaskStats] })
export class StatsModule {}
