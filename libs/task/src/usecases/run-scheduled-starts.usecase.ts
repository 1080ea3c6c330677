import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { Clock, DomainError, LogScope, maskPhonesInText, withinLogScope } from '@app/core';
import { TransactionRunner } from '@app/database';
import { FirmBotService } from '@app/firm-bot-quota';
import { BotChecks } from '../domain/edges';
import { grantAccess } from '../domain/task-access';
import { TaskRepository } from '../repositories/task.repository';
import { TASK_SETTINGS, TaskSettings } from '../task.settings';
import { StartTask } from './start-task.usecase';

export interface ScheduledStartsSummary {
  /** Scheduled tasks whose time had come. */
  due: number;
  /** Of those, started after this run's start (by it, or just before it by another worker or the recruiter). */
  started: number;
  /** Left scheduled because their firm's BOT is closed or expired (`waitingFor: bot`). */
  waitingForBot: number;
  /** Whose start failed (logged; the task is as the start left it, and the next minute looks again if still due). */
  failed: number;
}

/** Due scheduled tasks read per run at most; more wait for the next minute (oldest schedule first). */
const MAX_PER_RUN = 1_000;

/**
 * The worker's scheduled starts (issue 22, item 4), every minute on SYNC_EDGE_CRON: each task not started whose
 * `startAt` has come is started through `StartTask` itself (`due: true`), exactly as the recruiter's start would
 * start it: the BOT checked under the task's lock, the call window honoured (outside it the task starts paused
 * `outside_window` and waits for it), `task.started` written then. `StartTask` looks at the task again under its
 * lock, so a task the recruiter started, rescheduled, unscheduled or cancelled meanwhile, or that another worker
 * started, is left alone.
 *
 * A task whose firm's BOT is closed or expired at its time does not start: it stays scheduled (status 1, `startAt`
 * kept) and shows `waitingFor: bot`; the firm's entitlement is read once per run (BotChecks) so such tasks cost
 * nothing per minute, and the first minute check after operations reopen the BOT starts it. The recruiter may
 * unschedule or cancel it meanwhile.
 *
 * A job of its own beside the edge pass, not a step of it: the edge pass is the sync engine's (`src/sync/`), which
 * never reaches up to the lib's use cases, and a start must go through `StartTask`; its own job also keeps a slow
 * platform's starts from delaying the window and BOT edges of running tasks.
 */
@Injectable()
export class RunScheduledStarts {
  private readonly logger = new Logger(RunScheduledStarts.name);

  constructor(
    private readonly tx: TransactionRunner,
    private readonly tasks: TaskRepository,
    private readonly firmBot: FirmBotService,
    private readonly startTask: StartTask,
    private readonly clock: Clock,
    @Inject(TASK_SETTINGS) private readonly settings: TaskSettings,
    @Optional() private readonly logScope?: LogScope,
  ) {}

  async execute(): Promise<ScheduledStartsSummary> {
    const due = await this.tasks.dueScheduled(this.tx.autocommit, this.clock.now(), MAX_PER_RUN);
    const bots = new BotChecks((firmId) => this.firmBot.isUsable(this.tx.autocommit, firmId));
    const summary: ScheduledStartsSummary = { due: due.length, started: 0, waitingForBot: 0, failed: 0 };
    const startable: typeof due = [];
    for (const task of due) {
      if ((await bots.of(task.firmId)).usable) startable.push(task);
      else summary.waitingForBot++;
    }
    let next = 0;
    const slot = async (): Promise<void> => {
      while (next < startable.length) {
        const task = startable[next++];
        await withinLogScope(this.logScope, { taskId: task.id }, async () => {
          const owner = await this.tasks.ownerOf(this.tx.autocommit, task.id);
          // The task acts for its owner: the access its owner's own start would have.
          const access = grantAccess(owner, task.id, {
            firmId: String(owner?.firmId),
            accountId: String(owner?.accountId),
          });
          try {
            const view = await this.startTask.execute({ access, due: true });
            if (view.status !== 1) summary.started++;
          } catch (error) {
            if (error instanceof DomainError && (error.code === 'BOT_NOT_OPEN' || error.code === 'BOT_EXPIRED')) {
              summary.waitingForBot++;
              return;
            }
            summary.failed++;
            this.logger.warn(
              `scheduled start of task ${task.id} failed: ${maskPhonesInText((error as Error).message)}`,
            );
          }
        });
      }
    };
    await Promise.all(
      Array.from({ length: Math.max(1, Math.min(this.settings.syncConcurrency, startable.length)) }, slot),
    );
    return summary;
  }
}
