import { Inject, Injectable, Logger } from '@nestjs/common';
import { Caller, Clock, maskPhonesInText } from '@app/core';
import { TransactionRunner } from '@app/database';
import { FirmBotService } from '@app/firm-bot-quota';
import { ContactInput } from '../domain/contact-intake';
import { CallWindow, DEFAULT_CALL_WINDOW } from '../domain/call-window';
import { resolveTaskSettings } from '../domain/task-settings-input';
import { ContactIntake, IntakeReport } from '../contact-intake.service';
import { TaskStatus } from '../domain/statuses';
import { TaskRepository } from '../repositories/task.repository';
import { TASK_SETTINGS, TaskSettings } from '../task.settings';
import { grantAccess } from '../domain/task-access';
import { TaskView } from '../task.view';
import { GetTask } from './get-task.usecase';
import { StartTask } from './start-task.usecase';

export interface CreateTaskCommand {
  caller: Caller;
  name: string;
  scriptId: string;
  batchSize?: number;
  maxAttempts?: number;
  retryGapMinutes?: number;
  callWindow?: Partial<CallWindow>;
  contacts: ContactInput[];
  /**
   * Start at a set time: an instant in the future schedules the task (as `POST /start { at }` does), one not in
   * the future starts it as soon as it is created (a plain start).
   */
  startAt?: Date;
}

export interface CreateTaskResult {
  task: TaskView;
  contacts: IntakeReport;
}

/**
 * Creates a task with its first contacts. Taking the firm's quota slot and inserting the task are one
 * transaction, so concurrent creations can never exceed `bot_task_num`.
 */
@Injectable()
export class CreateTask {
  private readonly logger = new Logger(CreateTask.name);

  constructor(
    private readonly tx: TransactionRunner,
    private readonly tasks: TaskRepository,
    private readonly intake: ContactIntake,
    private readonly firmBot: FirmBotService,
    @Inject(TASK_SETTINGS) private readonly settings: TaskSettings,
    private readonly clock: Clock,
    private readonly getTask: GetTask,
    private readonly startTask: StartTask,
  ) {}

  async execute(command: CreateTaskCommand): Promise<CreateTaskResult> {
    const resolved = resolveTaskSettings(command, {
      batchSize: this.settings.defaultBatchSize,
      maxAttempts: this.settings.defaultMaxAttempts,
      retryGapMinutes: this.settings.defaultRetryGapMinutes,
      callWindow: DEFAULT_CALL_WINDOW,
      maxBatchSize: this.settings.maxBatchSize,
    });
    const scheduleAt =
      command.startAt && command.startAt.getTime() > this.clock.now().getTime() ? command.startAt : null;
    const { task, report } = await this.tx.run(async (manager) => {
      await this.firmBot.takeTaskSlot(manager, command.caller.firmId);
      const id = await this.tasks.insert(manager, {
        firmId: command.caller.firmId,
        accountId: command.caller.accountId,
        name: command.name,
        scriptId: command.scriptId,
        status: TaskStatus.NotStarted,
        ...resolved,
      });
      const report = await this.intake.take(manager, { id, firmId: command.caller.firmId }, command.contacts, {
        newTask: true,
      });
      // Read back in the same transaction: the view shows the row as stored (defaults, times).
      const task = (await this.tasks.findById(manager, id))!;
      if (scheduleAt) await this.tasks.setStartAt(manager, task, scheduleAt, { reason: 'recruiter' });
      return { task, report };
    });
    const access = grantAccess(task, String(task.id), command.caller);
    if (command.startAt && !scheduleAt) {
      // A start time already passed: started now, as a plain start, once the task is committed. A start that
      // fails (the platform, no contact waiting) does not undo the creation: the task is answered as it is
      // (status 2 with `waitingFor: platform` for the worker to finish, or still 1).
      try {
        return { task: await this.startTask.execute({ access }), contacts: report };
      } catch (error) {
        this.logger.warn(`task ${task.id} created; its start failed: ${maskPhonesInText((error as Error).message)}`);
      }
    }
    return { task: await this.getTask.view(task, null), contacts: report };
  }
}
