import { CallTaskStatus, TaskStatus } from './statuses';
import {
  assertCallTaskMoves,
  assertTaskMoves,
  campaignIntent,
  canMoveCallTask,
  canMoveTask,
  IllegalTransitionError,
} from './transitions';

const TASK = [1, 2, 3, 4, 5, 6] as TaskStatus[];
const CALL_TASK = [0, 1, 2, 3] as CallTaskStatus[];

/** Every (from, to) pair, written out: the table below is the lifecycle of SPEC §2–3 with its fixes. */
const ALLOWED_TASK = new Set([
  '1→1',
  '1→2',
  '1→3',
  '1→4',
  '1→6',
  '2→2',
  '2→3',
  '2→4',
  '2→6',
  '3→2',
  '3→3',
  '3→4',
  '3→5',
  '3→6',
  '4→2',
  '4→3',
  '4→4',
  '4→5',
  '4→6',
  '5→5',
  '6→6',
]);
const ALLOWED_CALL_TASK = new Set(['0→0', '0→1', '0→2', '0→3', '1→1', '1→2', '1→3', '2→1', '2→2', '2→3', '3→3']);

describe('task transition table', () => {
  it.each(TASK.flatMap((from) => TASK.map((to) => [from, to] as const)))('%i → %i', (from, to) => {
    const allowed = ALLOWED_TASK.has(`${from}→${to}`);
    expect(canMoveTask(from, to)).toBe(allowed);
    if (allowed) expect(() => assertTaskMoves([from], to)).not.toThrow();
    else expect(() => assertTaskMoves([from], to)).toThrow(IllegalTransitionError);
  });

  it('finished tasks never move', () => {
    for (const to of TASK) {
      if (to !== TaskStatus.Completed) expect(canMoveTask(TaskStatus.Completed, to)).toBe(false);
      if (to !== TaskStatus.Cancelled) expect(canMoveTask(TaskStatus.Cancelled, to)).toBe(false);
    }
  });

  it('a compare-and-set is checked for every status it could move from', () => {
    expect(() => assertTaskMoves([TaskStatus.InProgress, TaskStatus.Completed], TaskStatus.Paused)).toThrow(
      IllegalTransitionError,
    );
    expect(() => assertTaskMoves([TaskStatus.InProgress, TaskStatus.Paused], TaskStatus.Completed)).not.toThrow();
    expect(() => assertTaskMoves([TaskStatus.Completed], undefined)).not.toThrow(); // no status change
  });
});

describe('call task transition table', () => {
  it.each(CALL_TASK.flatMap((from) => CALL_TASK.map((to) => [from, to] as const)))('%i → %i', (from, to) => {
    const allowed = ALLOWED_CALL_TASK.has(`${from}→${to}`);
    expect(canMoveCallTask(from, to)).toBe(allowed);
    if (allowed) expect(() => assertCallTaskMoves([from], to)).not.toThrow();
    else expect(() => assertCallTaskMoves([from], to)).toThrow(IllegalTransitionError);
  });
});

describe('campaign intent recorded by the task status', () => {
  it.each([
    [TaskStatus.NotStarted, 'paused'],
    [TaskStatus.Starting, 'running'],
    [TaskStatus.InProgress, 'running'],
    [TaskStatus.Paused, 'paused'],
    [TaskStatus.Completed, 'stopped'],
    [TaskStatus.Cancelled, 'stopped'],
  ])('task %i wants its campaign %s', (status, intent) => {
    expect(campaignIntent(status)).toBe(intent);
  });
});
