// Task statistics from the counters the task lib's triggers keep: the module, the reader (the task lib's port for
// `task.completed`), the use case and their shapes. The counters' SQL stays inside.
export * from './stats.module';
export { TaskStatisticsReader } from './task-statistics.reader';
export { GetTaskStats } from './get-task-stats.usecase';
export type { GetTaskStatsQuery, StatsAccess } from './get-task-stats.usecase';
export type { TaskStats } from './task-stats';
