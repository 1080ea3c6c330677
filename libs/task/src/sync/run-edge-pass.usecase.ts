import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { hostname } from 'os';
import { randomBytes } from 'crypto';
import { Clock, LogScope, maskPhonesInText, withinLogScope } from '@app/core';
import { FirmBotService } from '@app/firm-bot-quota';
import { TransactionRunner } from '@app/database';
import { CampaignGatewayClient, RemoteCampaignStatus } from '@app/campaign-gateway';
import { BotChecks, edgeOf } from '../domain/edges';
import { TaskRepository } from '../repositories/task.repository';
import { SyncLeases } from './sync-leases';
import { SyncTask } from './sync-task.usecase';
import { CampaignEndFollower } from './campaign-end-follower';
import { TaskStatus } from '../domain/statuses';
import { TASK_SETTINGS, TaskSettings } from '../task.settings';

export interface EdgePassSummary {
  /** Tasks whose window or BOT was looked at. */
  checked: number;
  /** Tasks found at an edge and synced (suspended or resumed). */
  synced: number;
  /** Running campaigns whose status was asked of the platform (the campaign-end probe). */
  probed: number;
  /** Of those, campaigns found finished on the platform, whose task was moved on. */
  movedOn: number;
}

/** Active call tasks read per statement by the probe. */
const PROBE_READ_CHUNK = 1_000;

/**
 * The light check the worker runs every minute beside the sync (SYNC_EDGE_CRON): a running task whose call
 * window closed or whose firm's BOT closed or expired, and a task the window paused whose window opened, are
 * synced at once (under their lease, as the sync does), so nobody is called outside the window or the
 * entitlement for more than about a minute, and a window opening is not missed until the next full pass.
 * It reads only the tasks' window columns and each firm's entitlement once.
 *
 * It is also the bound on a campaign's end that nobody reported (a lost push, a contact the platform never
 * dialled, pushes off with the sync pass every 30 minutes): each running task's active campaign is asked for its
 * status (one `campaign_detail` of one record from the stored cursor, SYNC_CONCURRENCY at a time), and one the
 * platform reports finished is moved on at once (CampaignEndFollower: read to its end, closed, the next opened or
 * the task completed). So a campaign finished on the platform shows as running for a minute and a pass at most.
 */
@Injectable()
export class RunEdgePass {
  private readonly logger = new Logger(RunEdgePass.name);
  readonly owner = `${hostname()}:${process.pid}:edge:${randomBytes(3).toString('hex')}`.slice(0, 64);

  constructor(
    private readonly tx: TransactionRunner,
    private readonly tasks: TaskRepository,
    private readonly firmBot: FirmBotService,
    private readonly leases: SyncLeases,
    private readonly syncTask: SyncTask,
    private readonly follower: CampaignEndFollower,
    private readonly gateway: CampaignGatewayClient,
    private readonly clock: Clock,
    @Inject(TASK_SETTINGS) private readonly settings: TaskSettings,
    @Optional() private readonly logScope?: LogScope,
  ) {}

  async execute(): Promise<EdgePassSummary> {
    const candidates = await this.tasks.edgeCandidates(this.tx.autocommit);
    const now = this.clock.now();
    const bots = new BotChecks((firmId) => this.firmBot.isUsable(this.tx.autocommit, firmId));
    const atEdge: string[] = [];
    for (const task of candidates) if (await edgeOf(task, now, () => bots.of(task.firmId))) atEdge.push(task.id);
    const fences = await this.leases.claimTasks(this.owner, atEdge);
    try {
      for (const fence of fences) {
        await withinLogScope(this.logScope, { taskId: fence.taskId }, () =>
          this.syncTask.execute({ taskId: fence.taskId, fence, bots }).catch((error: Error) => {
            this.logger.error(`edge sync of task ${fence.taskId} failed: ${maskPhonesInText(error.message)}`);
          }),
        );
      }
    } finally {
      await this.leases.release(fences);
    }
    const synced = new Set(atEdge);
    const running = candidates.filter(
      (t) => (t.status === TaskStatus.Starting || t.status === TaskStatus.InProgress) && !synced.has(t.id),
    );
    const probe = await this.probeCampaignEnds(running.map((t) => String(t.id)));
    return { checked: candidates.length, synced: fences.length, ...probe };
  }

  /** Asks the platform for each running task's active campaign; moves on the tasks whose campaign has finished. */
  private async probeCampaignEnds(taskIds: readonly string[]): Promise<{ probed: number; movedOn: number }> {
    const campaigns: { taskId: string; callTaskId: string; campaignId: string; cursor: string | null }[] = [];
    for (let i = 0; i < taskIds.length; i += PROBE_READ_CHUNK) {
      const active = await this.tasks.findActiveCallTasks(this.tx.autocommit, taskIds.slice(i, i + PROBE_READ_CHUNK));
      for (const [taskId, callTask] of active) {
        if (callTask.campaignId)
          campaigns.push({
            taskId,
            callTaskId: String(callTask.id),
            campaignId: callTask.campaignId,
            cursor: callTask.detailCursor,
          });
      }
    }
    let movedOn = 0;
    let next = 0;
    const slot = async (): Promise<void> => {
      while (next < campaigns.length) {
        const c = campaigns[next++];
        await withinLogScope(this.logScope, { taskId: c.taskId }, async () => {
          try {
            const page = await this.gateway.getCampaignDetail({ campaignId: c.campaignId, cursor: c.cursor, limit: 1 });
            if (page.status !== RemoteCampaignStatus.Finished) return;
            if (await this.follower.moveOn(c.taskId, c.callTaskId, 'probe')) movedOn++;
          } catch (error) {
            this.logger.warn(
              `campaign-end probe of task ${c.taskId} failed: ${maskPhonesInText((error as Error).message)}`,
            );
          }
        });
      }
    };
    await Promise.all(
      Array.from({ length: Math.max(1, Math.min(this.settings.syncConcurrency, campaigns.length)) }, slot),
    );
    return { probed: campaigns.length, movedOn };
  }
}
