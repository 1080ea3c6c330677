import { BeforeApplicationShutdown, Injectable, Logger, Optional } from '@nestjs/common';
import { hostname } from 'os';
import { randomBytes } from 'crypto';
import { LogScope, maskPhonesInText, withinLogScope } from '@app/core';
import { TransactionRunner } from '@app/database';
import { CallTaskStatus } from '../domain/statuses';
import { TaskRepository } from '../repositories/task.repository';
import { SyncLeases } from './sync-leases';
import { SyncTask } from './sync-task.usecase';
import { CampaignEndTrigger, SyncMetrics } from './sync-metrics';

/**
 * Waits before each look at a campaign whose end was noticed: at once, then a little later while the platform has
 * not reported it finished yet (its last call's result can arrive before its status changes) or a worker's pass
 * holds the task's lease. About 15 s in all; then the next minute check takes over.
 */
export const FOLLOW_UP_DELAYS_MS = [0, 250, 500, 1_000, 2_000, 4_000, 8_000] as const;

/** How long the app's shutdown waits for follow-ups in progress (each step is short; the rest is left to the worker). */
const SHUTDOWN_WAIT_MS = 10_000;

/**
 * Moves a task on as soon as its campaign's end is noticed, instead of at the next sync pass (every 30 minutes by
 * default) or after the pushes' quiet period (SYNC_SKIP_AFTER_PUSH_SECONDS): a push that gives the last contact of
 * a campaign its result (IngestPushedRecords, in the API, right after that push's commit and outside its answer),
 * or the worker's minute check finding a running campaign finished on the platform (RunEdgePass's probe).
 *
 * It syncs the task exactly as a pass does (SyncTask: the campaign confirmed finished on the platform, read to its
 * last record and closed; then the next campaign opened or the task completed), under the task's sync lease, taken
 * with its own owner (`<host>:<pid>:follow:<random>`), so no worker syncs the task at the same moment; the lease is
 * given back at once. A lease held by a worker, or a platform that does not report the campaign finished yet, is
 * looked at again (FOLLOW_UP_DELAYS_MS); then the next minute check is the bound. One follow-up per task at a
 * time: an end noticed while one runs is followed by it next.
 */
@Injectable()
export class CampaignEndFollower implements BeforeApplicationShutdown {
  private readonly logger = new Logger(CampaignEndFollower.name);
  /** Who holds the leases it takes. */
  readonly owner = `${hostname()}:${process.pid}:follow:${randomBytes(3).toString('hex')}`.slice(0, 64);
  /** Per task, the follow-up running, and the next call task to follow once it is done. */
  private readonly following = new Map<string, { next: string | null; done: Promise<void> }>();
  private stopping = false;

  constructor(
    private readonly tx: TransactionRunner,
    private readonly tasks: TaskRepository,
    private readonly leases: SyncLeases,
    private readonly syncTask: SyncTask,
    @Optional() private readonly metrics?: SyncMetrics,
    @Optional() private readonly logScope?: LogScope,
  ) {}

  /** Starts moving the task on past this call task's campaign, in the background (never throws, never waits). */
  follow(taskId: string, callTaskId: string, trigger: CampaignEndTrigger): void {
    if (this.stopping) return;
    const running = this.following.get(taskId);
    if (running) {
      running.next = callTaskId;
      return;
    }
    const entry: { next: string | null; done: Promise<void> } = { next: null, done: Promise.resolve() };
    this.following.set(taskId, entry);
    entry.done = withinLogScope(this.logScope, { taskId }, async () => {
      try {
        let target: string | null = callTaskId;
        while (target && !this.stopping) {
          await this.moveOn(taskId, target, trigger);
          target = entry.next;
          entry.next = null;
        }
      } finally {
        this.following.delete(taskId);
      }
    });
  }

  /** Follows one call task to its close, now (awaited); false when it is left to the next minute check. */
  async moveOn(taskId: string, callTaskId: string, trigger: CampaignEndTrigger): Promise<boolean> {
    for (const delay of FOLLOW_UP_DELAYS_MS) {
      if (this.stopping) break;
      if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
      try {
        if (await this.attempt(taskId, callTaskId)) {
          this.metrics?.campaignEndFollowed(trigger, 'moved_on');
          return true;
        }
      } catch (error) {
        this.logger.warn(
          `task ${taskId}: moving on after campaign end failed, trying again: ${maskPhonesInText((error as Error).message)}`,
        );
      }
    }
    this.metrics?.campaignEndFollowed(trigger, 'deferred');
    this.logger.warn(
      `task ${taskId}: call task ${callTaskId} not closed yet; the worker's next minute check moves it on`,
    );
    return false;
  }

  /** One sync of the task under its lease; true once the call task is closed (by this or by anyone). */
  private async attempt(taskId: string, callTaskId: string): Promise<boolean> {
    if (await this.closed(callTaskId)) return true;
    const [fence] = await this.leases.claimTasks(this.owner, [taskId]);
    if (!fence) return false; // a worker syncs it now: look again shortly
    try {
      await this.syncTask.execute({ taskId, fence });
    } finally {
      await this.leases.release([fence]);
    }
    return this.closed(callTaskId);
  }

  private async closed(callTaskId: string): Promise<boolean> {
    const callTask = await this.tasks.findCallTask(this.tx.autocommit, callTaskId);
    return !callTask || callTask.status === CallTaskStatus.Finished;
  }

  /** Follow-ups in progress, for tests and the bench (resolves once none runs). */
  async idle(): Promise<void> {
    while (this.following.size > 0) await Promise.allSettled([...this.following.values()].map((f) => f.done));
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    if (this.following.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.idle(), new Promise((resolve) => (timer = setTimeout(resolve, SHUTDOWN_WAIT_MS)))]);
    clearTimeout(timer);
  }
}
