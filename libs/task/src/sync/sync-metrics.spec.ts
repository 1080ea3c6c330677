import { SYNC_PASS_OUTCOMES, SYNC_TASK_RUN_OUTCOMES, SyncTaskRunOutcome } from './sync-metrics';
import { SYNC_TASK_ACTIONS, SyncTaskAction } from './sync-task-outcome';

/** True only when A and B are the same union (checked by `npm run typecheck`). */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

describe('sync metric label values', () => {
  it('are every action the sync can return, plus failed (the type says so at compile time)', () => {
    const same: Same<SyncTaskRunOutcome, SyncTaskAction | 'failed'> = true;
    expect(same).toBe(true);
    expect([...SYNC_TASK_RUN_OUTCOMES].sort()).toEqual([...SYNC_TASK_ACTIONS, 'failed'].sort());
  });

  it('name each outcome once (a label value twice would pre-create one series twice)', () => {
    expect(new Set(SYNC_TASK_RUN_OUTCOMES).size).toBe(SYNC_TASK_RUN_OUTCOMES.length);
    expect(new Set(SYNC_PASS_OUTCOMES).size).toBe(SYNC_PASS_OUTCOMES.length);
  });
});
