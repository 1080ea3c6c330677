import { lifecycleEventsOf } from './task-events';
import { canMoveTask, TASK_TRANSITIONS } from './transitions';
import { TaskStatus } from './statuses';

describe('lifecycleEventsOf', () => {
  it.each([
    [TaskStatus.NotStarted, TaskStatus.Starting, ['task.started']],
    [TaskStatus.NotStarted, TaskStatus.InProgress, ['task.started']],
    [TaskStatus.NotStarted, TaskStatus.Paused, ['task.started', 'task.paused']],
    [TaskStatus.NotStarted, TaskStatus.Cancelled, ['task.cancelled']],
    [TaskStatus.Starting, TaskStatus.InProgress, []],
    [TaskStatus.Starting, TaskStatus.Paused, ['task.paused']],
    [TaskStatus.Starting, TaskStatus.Cancelled, ['task.cancelled']],
    [TaskStatus.InProgress, TaskStatus.Starting, []],
    [TaskStatus.InProgress, TaskStatus.Paused, ['task.paused']],
    [TaskStatus.InProgress, TaskStatus.Completed, ['task.completed']],
    [TaskStatus.InProgress, TaskStatus.Cancelled, ['task.cancelled']],
    [TaskStatus.Paused, TaskStatus.Starting, ['task.resumed']],
    [TaskStatus.Paused, TaskStatus.InProgress, ['task.resumed']],
    [TaskStatus.Paused, TaskStatus.Completed, ['task.completed']],
    [TaskStatus.Paused, TaskStatus.Cancelled, ['task.cancelled']],
  ])('%s → %s announces %j', (from, to, events) => {
    expect(canMoveTask(from, to)).toBe(true);
    expect(lifecycleEventsOf(from, to)).toEqual(events);
  });

  it('covers every allowed move (a new one must be decided here)', () => {
    const covered = new Set([
      '1>2',
      '1>3',
      '1>4',
      '1>6',
      '2>3',
      '2>4',
      '2>6',
      '3>2',
      '3>4',
      '3>5',
      '3>6',
      '4>2',
      '4>3',
      '4>5',
      '4>6',
    ]);
    const allowed = Object.entries(TASK_TRANSITIONS).flatMap(([from, tos]) => tos.map((to) => `${from}>${to}`));
    expect(allowed.sort()).toEqual([...covered].sort());
  });

  it('says nothing when the status does not change', () => {
    expect(lifecycleEventsOf(TaskStatus.Paused, TaskStatus.Paused)).toEqual([]);
  });
});
