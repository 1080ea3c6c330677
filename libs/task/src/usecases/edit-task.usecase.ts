import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { TransactionRunner } from '@app/database';
import { EventOutbox } from '@app/events';
import { TaskAccess } from '../domain/task-access';
import { CallWindow, callWindowProblem, DEFAULT_CALL_WINDOW } from '../domain/call-window';
import { taskCallWindow } from '../domain/task-window';
import { FINISHED_TASK_STATUSES, TaskStatus } from '../domain/statuses';
import { TaskRepository } from '../repositories/task.repository';
import { ContactRepository } from '../repositories/contact.repository';
import { TaskEntity } from '../entities/task.entity';
import { InvalidTaskInputError, TaskFinishedError } from '../errors/task-errors';
import { TASK_SETTINGS, TaskSettings } from '../task.settings';
import { TaskView } from '../task.view';
import { GetTask } from './get-task.usecase';

/** The settings a recruiter may change on a task that is not finished. */
export interface TaskEdit {
  name?: string;
  /** Replaced whole: fields left out take their defaults, as on create (not the task's current values). */
  callWindow?: Partial<CallWindow>;
  maxAttempts?: number;
  retryGapMinutes?: number;
  batchSize?: number;
}

export interface EditTaskCommand {
  access: TaskAccess;
  edit: TaskEdit;
}

/** The fields of a task edit, in the order `task.updated` names them. */
export const EDITABLE_TASK_FIELDS = ['name', 'callWindow', 'maxAttempts', 'retryGapMinutes', 'batchSize'] as const;
export type EditableTaskField = (typeof EDITABLE_TASK_FIELDS)[number];

/** What an edit changed, field by field, as `task.updated` tells it. */
export type TaskChanges = Partial<Record<EditableTaskField, { from: unknown; to: unknown }>>;

/**
 * Changes a task's settings while it is not finished (issue 22, item 2), under the task's lock, and writes
 * `task.updated` with what changed (`{ changed: { field: { from, to } } }`) in the same transaction; an edit that
 * changes nothing writes nothing. The platform is not called: every rule reads the settings when it acts.
 *  - `callWindow`: the worker's next minute check (RunEdgePass, which reads the window columns) pauses a running task
 *    now outside it (`outside_window`), or resumes one the window paused whose new window is open; no campaign is
 *    created or started outside it from the commit on (the launcher reads it).
 *  - `maxAttempts`: calls reported from now on are judged by it; a lower one ends at once the contacts waiting for a
 *    retry that already had that many (done, results and statistics' results unchanged). A contact a running campaign
 *    holds may still get the call that campaign makes.
 *  - `retryGapMinutes`: contacts waiting for a retry are due at their last call plus the new gap.
 *  - `batchSize`: from the next campaign on.
 * The contacts move by one set-based statement each, whatever the task's size.
 */
@Injectable()
export class EditTask {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly tasks: TaskRepository,
    private readonly contacts: ContactRepository,
    private readonly outbox: EventOutbox,
    private readonly getTask: GetTask,
    @Inject(TASK_SETTINGS) private readonly settings: TaskSettings,
  ) {}

  async execute({ access, edit }: EditTaskCommand): Promise<TaskView> {
    const given = EDITABLE_TASK_FIELDS.filter((field) => edit[field] !== undefined);
    if (given.length === 0) {
      const error = `nothing to change: give at least one of ${EDITABLE_TASK_FIELDS.join(', ')}`;
      throw new InvalidTaskInputError(error, [{ field: 'body', errors: [error] }]);
    }
    if (edit.batchSize !== undefined && edit.batchSize > this.settings.maxBatchSize) {
      const error = `batchSize may be at most ${this.settings.maxBatchSize}`;
      throw new InvalidTaskInputError(error, [{ field: 'batchSize', errors: [error] }]);
    }
    const window = edit.callWindow ? { ...DEFAULT_CALL_WINDOW, ...edit.callWindow } : null;
    const problem = window && callWindowProblem(window);
    if (problem)
      throw new InvalidTaskInputError(`callWindow: ${problem}`, [
        { field: 'callWindow', errors: [`callWindow: ${problem}`] },
      ]);

    await this.tx.run(async (manager) => {
      const task = await this.tasks.lockGranted(manager, access);
      if (FINISHED_TASK_STATUSES.includes(task.status)) {
        throw new TaskFinishedError(task.id, TaskStatus[task.status].toLowerCase());
      }
      const { patch, changed } = changesOf(task, edit, window);
      if (Object.keys(changed).length === 0) return;
      await this.tasks.updateSettings(manager, task.id, patch);
      if (changed.maxAttempts && edit.maxAttempts! < (changed.maxAttempts.from as number))
        await this.contacts.endRetriesBeyond(manager, task.id, edit.maxAttempts!);
      if (changed.retryGapMinutes) await this.contacts.moveRetries(manager, task.id, edit.retryGapMinutes!);
      await this.announce(manager, task, changed);
    });
    return this.getTask.execute({ access });
  }

  private async announce(manager: EntityManager, task: TaskEntity, changed: TaskChanges): Promise<void> {
    const taskId = String(task.id);
    const sequence = await this.tasks.allocateEventSequences(manager, taskId, 1);
    await this.outbox.append(manager, [
      { type: 'task.updated', firmId: String(task.firmId), taskId, sequence, data: { taskId, changed } },
    ]);
  }
}

/** The columns to write and the changes to tell: only the fields whose value differs from the task's. */
function changesOf(
  task: TaskEntity,
  edit: TaskEdit,
  window: CallWindow | null,
): { patch: Partial<TaskEntity>; changed: TaskChanges } {
  const patch: Partial<TaskEntity> = {};
  const changed: TaskChanges = {};
  if (edit.name !== undefined && edit.name !== task.name) {
    changed.name = { from: task.name, to: edit.name };
    patch.name = edit.name;
  }
  if (window) {
    const from = taskCallWindow(task);
    const to = { ...window, days: [...new Set(window.days)].sort((a, b) => a - b) };
    if (JSON.stringify(from) !== JSON.stringify(to)) {
      changed.callWindow = { from, to };
      Object.assign(patch, {
        windowStart: to.start,
        windowEnd: to.end,
        windowDays: to.days.join(','),
        windowTz: to.timeZone,
      });
    }
  }
  for (const field of ['maxAttempts', 'retryGapMinutes', 'batchSize'] as const) {
    const to = edit[field];
    if (to !== undefined && to !== Number(task[field])) {
      changed[field] = { from: Number(task[field]), to };
      patch[field] = to;
    }
  }
  return { patch, changed };
}
