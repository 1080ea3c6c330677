import { Injectable, Logger, Optional } from '@nestjs/common';
import { hostname } from 'os';
import { randomBytes } from 'crypto';
import { Clock, LogScope, maskPhonesInText, withinLogScope } from '@app/core';
import { FirmBotService } from '@app/firm-bot-quota';
import { TransactionRunner } from '@app/database';
import { BotChecks, edgeOf } from '../domain/edges';
import { TaskRepository } from '../repositories/task.repository';
import { SyncLeases } from '../sync-leases';
import { SyncTask } from './sync-task.usecase';

export interface EdgePassSummary {
  /** Tasks whose window or BOT was looked at. */
  checked: number;
  /** Tasks found at an edge and synced (suspended or resumed). */
  synced: number;
}

/**
 * The light check the worker runs every minute beside the sync (SYNC_EDGE_CRON): a running task whose call
 * window closed or whose firm's BOT closed or expired, and a task the window paused whose window opened, are
 * synced at once (under their lease, as the sync does), so nobody is called outside the window or the
 * entitlement for more than about a minute, and a window opening is not missed until the next full pass.
 * It reads only the tasks' window columns and each firm's entitlement once; no platform call for tasks at no edge.
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
    private readonly clock: Clock,
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
          this.syncTask.execute(fence.taskId, fence, bots).catch((error: Error) => {
            this.logger.error(`edge sync of task ${fence.taskId} failed: ${maskPhonesInText(error.message)}`);
          }),
        );
      }
    } finally {
      await this.leases.release(fences).catch((error: Error) => this.logger.warn(`could not release leases: ${error.message}`));
    }
    return { checked: candidates.length, synced: fences.length };
  }
}
