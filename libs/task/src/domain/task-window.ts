import { TaskEntity } from '../entities/task.entity';
import { CallWindow } from './call-window';

export function taskCallWindow(
  task: Pick<TaskEntity, 'windowStart' | 'windowEnd' | 'windowDays' | 'windowTz'>,
): CallWindow {
  return {
    start: task.windowStart,
    end: task.windowEnd,
    days: task.windowDays.split(',').map(Number),
    timeZone: task.windowTz,
  };
}
