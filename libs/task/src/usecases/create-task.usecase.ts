import { Inject, Injectable } from '@nestjs/common';
import { Caller } from '@app/core';
import { TransactionRunner } from '@app/database';
import { FirmBotService } from '@app/firm-bot-quota';
import { ContactInput } from '../domain/contact-intake';
import { CallWindow, callWindowProblem, DEFAULT_CALL_WINDOW } from '../domain/call-window';
import { ContactIntake, IntakeReport } from '../contact-intake.service';
import { TaskStatus } from '../domain/statuses';
import { TaskRepository } from '../repositories/task.repository';
import { TASK_SETTINGS, TaskSettings } from '../task.settings';
import { InvalidTaskInputError } from '../errors/task-errors';
import { NOT_STARTED_WAITING } from '../domain/waiting';
import { toTaskView, TaskView } from '../task.view';

export interface CreateTaskCommand {
  caller: Caller;
  name: string;
  scriptId: string;
  batchSize?: number;
  maxAttempts?: number;
  retryGapMinutes?: number;
  callWindow?: Partial<CallWindow>;
  contacts: ContactInput[];
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
  constructor(
    private readonly tx: TransactionRunner,
    private readonly tasks: TaskRepository,
    private readonly intake: ContactIntake,
    private readonly firmBot: FirmBotService,
    @Inject(TASK_SETTINGS) private readonly settings: TaskSettings,
  ) {}

  async execute(command: CreateTaskCommand): Promise<CreateTaskResult> {
    const batchSize = command.batchSize ?? this.settings.defaultBatchSize;
    if (batchSize > this.settings.maxBatchSize) {
      const error = `batchSize may be at most ${this.settings.maxBatchSize}`;
      throw new InvalidTaskInputError(error, [{ field: 'batchSize', errors: [error] }]);
    }
    const window: CallWindow = { ...DEFAULT_CALL_WINDOW, ...command.callWindow };
    const problem = callWindowProblem(window);
    if (problem)
      throw new InvalidTaskInputError(`callWindow: ${problem}`, [
        { field: 'callWindow', errors: [`callWindow: ${problem}`] },
      ]);
    const { task, report } = await this.tx.run(async (manager) => {
      await this.firmBot.takeTaskSlot(manager, command.caller.firmId);
      const id = await this.tasks.insert(manager, {
        firmId: command.caller.firmId,
        accountId: command.caller.accountId,
        name: command.name,
        scriptId: command.scriptId,
        status: TaskStatus.NotStarted,
        batchSize,
        maxAttempts: command.maxAttempts ?? this.settings.defaultMaxAttempts,
        retryGapMinutes: command.retryGapMinutes ?? this.settings.defaultRetryGapMinutes,
        windowStart: window.start,
        windowEnd: window.end,
        windowDays: [...new Set(window.days)].sort().join(','),
        windowTz: window.timeZone,
      });
      const report = await this.intake.take(manager, { id, firmId: command.caller.firmId }, command.contacts, {
        newTask: true,
      });
      // Read back in the same transaction: the view shows the row as stored (defaults, times).
      return { task: (await this.tasks.findById(manager, id))!, report };
    });
    return { task: toTaskView(task, null, NOT_STARTED_WAITING), contacts: report };
  }
}
