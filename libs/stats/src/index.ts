// Task statistics from the counters the task lib's triggers keep: the module, the use case and its view.
export * from './stats.module';
export { GetTaskStats } from './get-task-stats.usecase';
export type { TaskStats } from './get-task-stats.usecase';
