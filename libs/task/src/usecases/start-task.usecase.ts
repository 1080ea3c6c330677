import { Injectable } from '@nestjs/common';
import { Clock } from '@app/core';
import { TransactionRunner } from '@app/database';
import { FirmBotService } from '@app/firm-bot-quota';
import { TaskAccess } from '../domain/task-access';
import { CallTaskStatus, FINISHED_TASK_STATUSES, PauseReason, TaskStatus } from '../domain/statuses';
import { isWindowOpen } from '../domain/call-window';
import { taskCallWindow } from '../domain/task-window';
import { TaskRepository } from '../repositories/task.repository';
import { ContactRepository } from '../repositories/contact.repository';
import { CampaignLauncher, DriveOptions } from '../sync';
import { TaskEntity } from '../entities/task.entity';
import { NoContactsWaitingError, TaskAlreadyStartedError, TaskFinishedError } from '../errors/task-errors';
import { TaskView } from '../task.view';
import { GetTask } from './get-task.usecase';

export interface StartTaskCommand {
  access: TaskAccess;
  /**
   * Start at a set time (`POST /start { at }`): an instant in the future schedules the task (or reschedules it),
   * null unschedules it, one not in the future starts it now as a plain start. Absent: a plain start.
   */
  at?: Date | null;
  /**
   * The worker's scheduled start (RunScheduledStarts): starts the task only if, under its lock, it is still not
   * started and its `startAt` has come; otherwise does nothing. The BOT is checked as for any start.
   */
  due?: boolean;
}

/**
 * SPEC §3 "start task", which also resumes a paused one. Under the task lock it decides and records the intent
 * (the task's status: 2 starting, or 4 `outside_window` when the call window is closed); the remote calls happen
 * after the lock is released (CampaignLauncher.drive), and a gateway failure leaves the intent for the sync.
 * The firm's BOT entitlement is checked by the API's entitlement guard before any work, and again here under the
 * task's lock (BOT_NOT_OPEN / BOT_EXPIRED), so no caller starts a task without it; a BOT closed after that is caught
 * by the worker's edge check (SYNC_EDGE_CRON), as for a task already running.
 */
@Injectable()
export class StartTask {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly tasks: TaskRepository,
    private readonly contacts: ContactRepository,
    private readonly launcher: CampaignLauncher,
    private readonly clock: Clock,
    private readonly getTask: GetTask,
    private readonly firmBot: FirmBotService,
  ) {}

  async execute(command: StartTaskCommand): Promise<TaskView> {
    const at = command.at;
    if (at === null || (at && at.getTime() > this.clock.now().getTime())) return this.schedule(command.access, at);
    const toDrive = await this.tx.run(
      async (manager): Promise<{ callTaskId: string; known?: DriveOptions['known'] } | null> => {
        const task = await this.tasks.lockGranted(manager, command.access);
        if (command.due) {
          // The worker's minute check read the task as due without its lock: look again under it (a recruiter's
          // start, reschedule, unschedule or cancel, or another worker, may have come first).
          const now = this.clock.now();
          if (task.status !== TaskStatus.NotStarted || !task.startAt || task.startAt.getTime() > now.getTime())
            return null;
        }
        if (FINISHED_TASK_STATUSES.includes(task.status)) {
          throw new TaskFinishedError(task.id, TaskStatus[task.status].toLowerCase());
        }
        await this.firmBot.assertUsable(task.firmId, manager);
        if (command.due && (await this.contacts.countPending(manager, task.id)).waiting === 0) {
          // Nobody to call at the set time (none added, or every contact skipped or withdrawn): the schedule ends,
          // said by its event (a plain start would answer NO_CONTACTS_WAITING), and the task stays not started.
          await this.tasks.setStartAt(manager, task, null, { reason: 'no_contacts_waiting' });
          return null;
        }
        // A plain start of a scheduled task starts it now: the schedule is replaced (task.started says so).
        if (!command.due && task.status === TaskStatus.NotStarted && task.startAt)
          await this.tasks.setStartAt(manager, task, null, null);
        /** Records the intent; the transition keeps the locked row in step, so the drive starts from it without reading it again. */
        const record = (patch: Pick<TaskEntity, 'status' | 'pauseReason'>) =>
          this.tasks.transition(manager, task, [task.status], patch);
        const active = await this.tasks.findActiveCallTask(manager, task.id);
        if (!active) {
          const pending = await this.contacts.countPending(manager, task.id);
          if (pending.waiting === 0) throw new NoContactsWaitingError(task.id);
        }
        if (!isWindowOpen(taskCallWindow(task), this.clock.now())) {
          // Nobody is called outside the window: the task waits for it (waitingFor call_window), the worker
          // resumes it when it opens, and a campaign that may be running is paused now: any the platform created
          // and that is not confirmed paused (a start whose reply was lost leaves it 0 while it dials).
          await record({ status: TaskStatus.Paused, pauseReason: PauseReason.OutsideWindow });
          const mayRun = !!active?.campaignId && active.status !== CallTaskStatus.Paused;
          return mayRun ? { callTaskId: active.id, known: { task, callTask: active } } : null;
        }
        if (active) {
          if (active.status === CallTaskStatus.InProgress && task.status === TaskStatus.InProgress) return null; // running: a no-op
          // New (maybe never confirmed) or paused: record the intent, then bring it to running. The recruiter's
          // start gives a campaign the platform refused another full round of tries.
          await this.tasks.setRefusals(manager, active.id, 0);
          active.refusals = 0;
          await record({ status: TaskStatus.Starting, pauseReason: null });
          return { callTaskId: active.id, known: { task, callTask: active } };
        }
        const prepared = await this.launcher.prepare(manager, task);
        if (prepared) return { callTaskId: prepared };
        // Contacts wait only for their retry gap or a callback: the task runs, and the sync opens the campaign
        // when they are due (waitingFor retry_gap / callback says until when).
        await record({ status: TaskStatus.InProgress, pauseReason: null });
        return null;
      },
    );
    if (toDrive) await this.launcher.drive(toDrive.callTaskId, { known: toDrive.known });
    return this.getTask.execute(command);
  }

  /**
   * Schedules a task not started to start at `at` (rescheduling it if it was), or unschedules it (`at` null), under
   * its lock, writing `task.scheduled`. Nothing is sent to the platform: the worker's minute check starts the task
   * through `execute({ due: true })` once `at` has come. Unscheduling a task that is not scheduled changes nothing.
   */
  private async schedule(access: TaskAccess, at: Date | null): Promise<TaskView> {
    await this.tx.run(async (manager) => {
      const task = await this.tasks.lockGranted(manager, access);
      if (FINISHED_TASK_STATUSES.includes(task.status)) {
        throw new TaskFinishedError(task.id, TaskStatus[task.status].toLowerCase());
      }
      if (at === null) {
        if (task.status === TaskStatus.NotStarted && task.startAt)
          await this.tasks.setStartAt(manager, task, null, { reason: 'recruiter' });
        return;
      }
      if (task.status !== TaskStatus.NotStarted) throw new TaskAlreadyStartedError(task.id);
      if (task.startAt?.getTime() === at.getTime()) return; // the same time again: nothing changes
      await this.tasks.setStartAt(manager, task, at, { reason: 'recruiter' });
    });
    return this.getTask.execute({ access });
  }
}
