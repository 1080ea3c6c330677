/**
 * Runs work with extra fields bound to every log line written inside it (across `await`s), e.g. the task id
 * of one task's sync. The apps provide it (backed by their structured logger); libs inject it with
 * `@Optional()`, so they also work in a module that logs without structure.
 */
export abstract class LogScope {
  abstract run<T>(fields: Record<string, string | number>, work: () => T): T;
}

/** Runs `work` inside `scope` when there is one, else as is. */
export function withinLogScope<T>(
  scope: LogScope | null | undefined,
  fields: Record<string, string | number>,
  work: () => T,
): T {
  return scope ? scope.run(fields, work) : work();
}
