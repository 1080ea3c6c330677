import { AsyncLocalStorage } from 'node:async_hooks';
import { Logger } from '@nestjs/common';
import { LogScope } from '@app/core';
import { SyncMetrics, SyncPassOutcome, SyncTaskRunOutcome } from './sync-metrics';
import { DEFAULT_TASK_SETTINGS } from '../task.settings';
import { SyncLeases } from './sync-leases';
import { RunSyncPass } from './run-sync-pass.usecase';
import { SyncTask, SyncTaskOutcome } from './sync-task.usecase';

class RecordingMetrics extends SyncMetrics {
  readonly tasks: [SyncTaskRunOutcome, number][] = [];
  readonly passes: SyncPassOutcome[] = [];

  taskSynced(outcome: SyncTaskRunOutcome, recordsStored: number): void {
    this.tasks.push([outcome, recordsStored]);
  }

  passFinished(outcome: SyncPassOutcome, durationSeconds: number): void {
    expect(durationSeconds).toBeGreaterThanOrEqual(0);
    this.passes.push(outcome);
  }

  unfitValue(): void {}

  pagingStalled(): void {}

  pushesCoalesced(): void {}

  campaignEndFollowed(): void {}
}

/** A LogScope on its own AsyncLocalStorage, so the spec can see which fields were bound where. */
class RecordingScope extends LogScope {
  readonly storage = new AsyncLocalStorage<Record<string, string | number>>();

  run<T>(fields: Record<string, string | number>, work: () => T): T {
    return this.storage.run(fields, work);
  }
}

describe('RunSyncPass instrumentation', () => {
  const outcomes: Record<string, SyncTaskOutcome | Error> = {
    '1': { taskId: '1', recordsStored: 3, action: 'ingested' },
    '2': new Error('platform down for 13812345678'),
    '3': { taskId: '3', recordsStored: 0, action: 'completed' },
  };
  let scope: RecordingScope;
  let seenFields: Record<string, unknown>;
  let errors: { message: string; fields: unknown }[];

  /** Leases that hand out `ids` on the first claim and nothing after (one worker, one batch). */
  const tasks = (ids: string[] | Error) => {
    let claimed = false;
    return {
      tryClaim: () => {
        if (ids instanceof Error) return Promise.reject(ids);
        if (claimed) return Promise.resolve({ won: [], contended: false });
        claimed = true;
        return Promise.resolve({ won: ids.map((taskId) => ({ taskId, epoch: '1' })), contended: false });
      },
      release: () => Promise.resolve(),
    } as unknown as SyncLeases;
  };
  const syncTask = {
    passBotChecks: () => undefined,
    knownTasks: () => Promise.resolve(new Map()),
    execute: ({ taskId }: { taskId: string }) => {
      seenFields[taskId] = scope.storage.getStore();
      const outcome = outcomes[taskId];
      return outcome instanceof Error ? Promise.reject(outcome) : Promise.resolve(outcome);
    },
  } as unknown as SyncTask;

  beforeEach(() => {
    scope = new RecordingScope();
    seenFields = {};
    errors = [];
    jest.spyOn(Logger.prototype, 'error').mockImplementation((message: unknown) => {
      errors.push({ message: String(message), fields: scope.storage.getStore() });
    });
    jest.spyOn(Logger.prototype, 'debug').mockImplementation(() => undefined);
  });

  afterEach(() => jest.restoreAllMocks());

  it('reports each task and the pass, and runs each task in a scope naming it', async () => {
    const metrics = new RecordingMetrics();
    const sut = new RunSyncPass(
      tasks(['1', '2', '3']),
      syncTask,
      { ...DEFAULT_TASK_SETTINGS, syncConcurrency: 2 },
      metrics,
      scope,
    );

    const summary = await sut.execute();

    expect(summary).toMatchObject({ tasks: 3, failed: 1, recordsStored: 3, completed: 1 });
    expect(metrics.tasks.sort()).toEqual([
      ['completed', 0],
      ['failed', 0],
      ['ingested', 3],
    ]);
    expect(metrics.passes).toEqual(['partial']);
    expect(seenFields).toEqual({ '1': { taskId: '1' }, '2': { taskId: '2' }, '3': { taskId: '3' } });
    // The failure is logged inside its task's scope, phone masked.
    expect(errors).toEqual([
      { message: 'sync of task 2 failed: platform down for 138****5678', fields: { taskId: '2' } },
    ]);
  });

  it('a pass where every task synced is ok; a pass that breaks off is an error, and still throws', async () => {
    const metrics = new RecordingMetrics();
    await new RunSyncPass(tasks(['1']), syncTask, DEFAULT_TASK_SETTINGS, metrics, scope).execute();
    await expect(
      new RunSyncPass(tasks(new Error('db gone')), syncTask, DEFAULT_TASK_SETTINGS, metrics, scope).execute(),
    ).rejects.toThrow('db gone');

    expect(metrics.passes).toEqual(['ok', 'error']);
  });

  it('works the same without metrics or a log scope (a module without observability)', async () => {
    const sut = new RunSyncPass(tasks(['1', '2', '3']), syncTask, DEFAULT_TASK_SETTINGS);

    await expect(sut.execute()).resolves.toMatchObject({ tasks: 3, failed: 1, recordsStored: 3 });
    expect(seenFields['1']).toBeUndefined();
  });
});
