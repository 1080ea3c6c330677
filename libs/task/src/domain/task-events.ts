import { TaskStatus } from './statuses';

/** The lifecycle events a task's status move announces. */
export type TaskLifecycleEvent = 'task.started' | 'task.paused' | 'task.resumed' | 'task.completed' | 'task.cancelled';

const RUNNING = [TaskStatus.Starting, TaskStatus.InProgress];

/**
 * What the recruiting platform is told when a task moves from `from` to `to`: started when its recruiter's
 * start is accepted (1 → 2, 3, or 4 when the call window is closed: then paused too), paused whenever it stops
 * (any reason: `pauseReason` says which), resumed when it runs again, completed, cancelled. Moves inside a run
 * (3 → 2 for the next campaign, 2 → 3 when the platform confirms) say nothing.
 */
export function lifecycleEventsOf(from: TaskStatus, to: TaskStatus): TaskLifecycleEvent[] {
  if (from === to) return [];
  if (to === TaskStatus.Cancelled) return ['task.cancelled'];
  if (to === TaskStatus.Completed) return ['task.completed'];
  if (from === TaskStatus.NotStarted)
    return to === TaskStatus.Paused ? ['task.started', 'task.paused'] : ['task.started'];
  if (to === TaskStatus.Paused) return ['task.paused'];
  if (from === TaskStatus.Paused && RUNNING.includes(to)) return ['task.resumed'];
  return [];
}
