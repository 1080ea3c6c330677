export * from './stats.module';
export * from './get-task-stats.usecase';
