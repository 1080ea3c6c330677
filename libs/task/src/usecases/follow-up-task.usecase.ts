import { Inject, Injectable } from '@nestjs/common';
import { TransactionRunner } from '@app/database';
import { FirmBotService } from '@app/firm-bot-quota';
import { TaskAccess } from '../domain/task-access';
import { CallResult, Intention, TaskStatus } from '../domain/statuses';
import { taskCallWindow } from '../domain/task-window';
import { TaskRepository } from '../repositories/task.repository';
import { ContactRepository } from '../repositories/contact.repository';
import { ContactIntake } from '../contact-intake.service';
import { TASK_SETTINGS, TaskSettings } from '../task.settings';
import { InvalidTaskInputError, NoContactsMatchError, TaskNotSettledError } from '../errors/task-errors';
import { TaskView } from '../task.view';
import { GetTask } from './get-task.usecase';
import { resolveTaskSettings, TaskSettingsInput } from '../domain/task-settings-input';

/** Which of the source task's contacts a follow-up takes: every list given must hold the contact's value. */
export interface FollowUpFilter {
  callResult?: CallResult[];
  intention?: Intention[];
  skipReason?: string[];
}

export interface FollowUpTaskCommand {
  /** The source task (its owner's access). */
  access: TaskAccess;
  /** The new task's name; default: the source's name with " (follow-up)". */
  name?: string;
  filter: FollowUpFilter;
  /** The new task's settings; each one not given is the source's. */
  settings?: TaskSettingsInput;
}

/** A copied contact stored but not to be called, with why; its number masked. */
export interface FollowUpSkippedContact {
  /** The contact of the source task it was copied from. */
  sourceContactId: string;
  phone: string;
  candidateRef: string | null;
  reason: string;
}

export interface FollowUpTaskResult {
  task: TaskView;
  contacts: { added: number; skipped: FollowUpSkippedContact[] };
}

/** Source contacts copied per page: one read, one registry screen and one multi-row insert each. */
const PAGE = 1_000;
/** Task statuses a follow-up may be made from: paused, completed, cancelled. */
const SETTLED = [TaskStatus.Paused, TaskStatus.Completed, TaskStatus.Cancelled];

/**
 * Calls the unreached again (issue 22, item 5): a new task from the contacts of a finished or paused task that
 * match the filter (for example every contact not connected, or "inconvenient"). In one transaction, under the
 * source task's lock: the new task takes a quota slot (as a create does), keeps `sourceTaskId`, and takes the
 * matching contacts through the same intake as added contacts (`ContactIntake.takeSealed`: do-not-call, wrong
 * numbers, cooling), page by page with multi-row inserts. Numbers are copied sealed as stored (hash and
 * ciphertext), never opened. The source task's own calls do not count for the cooling period (else a follow-up
 * made right after its source would skip everyone), here and when its campaigns claim the numbers; another task's
 * recent calls still do. A filter matching nobody creates nothing (NO_CONTACTS_MATCH).
 */
@Injectable()
export class FollowUpTask {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly tasks: TaskRepository,
    private readonly contacts: ContactRepository,
    private readonly intake: ContactIntake,
    private readonly firmBot: FirmBotService,
    private readonly getTask: GetTask,
    @Inject(TASK_SETTINGS) private readonly settings: TaskSettings,
  ) {}

  async execute(command: FollowUpTaskCommand): Promise<FollowUpTaskResult> {
    const { filter } = command;
    if (!filter.callResult?.length && !filter.intention?.length && !filter.skipReason?.length) {
      const error = 'filter needs at least one of callResult, intention, skipReason';
      throw new InvalidTaskInputError(error, [{ field: 'filter', errors: [error] }]);
    }
    const { task, added, skipped } = await this.tx.run(async (manager) => {
      const source = await this.tasks.lockGranted(manager, command.access);
      if (!SETTLED.includes(source.status))
        throw new TaskNotSettledError(source.id, TaskStatus[source.status].toLowerCase());
      const resolved = resolveTaskSettings(command.settings ?? {}, {
        batchSize: source.batchSize,
        maxAttempts: source.maxAttempts,
        retryGapMinutes: source.retryGapMinutes,
        callWindow: taskCallWindow(source),
        maxBatchSize: this.settings.maxBatchSize,
      });
      await this.firmBot.takeTaskSlot(manager, source.firmId);
      const id = await this.tasks.insert(manager, {
        firmId: source.firmId,
        accountId: source.accountId,
        name: command.name ?? `${source.name} (follow-up)`.slice(0, 100),
        scriptId: source.scriptId,
        status: TaskStatus.NotStarted,
        sourceTaskId: String(source.id),
        ...resolved,
      });
      const target = { id, firmId: String(source.firmId) };
      let matched = 0;
      let added = 0;
      const skipped: FollowUpSkippedContact[] = [];
      for (let after = '0'; ;) {
        const page = await this.contacts.matchingPageAfter(manager, String(source.id), filter, after, PAGE);
        if (page.length === 0) break;
        matched += page.length;
        const reasons = await this.intake.takeSealed(
          manager,
          target,
          page.map((c) => ({ candidateRef: c.candidateRef, name: c.name, phone: c.phone, phoneMasked: c.phoneMasked })),
          [String(source.id)],
        );
        page.forEach((c, i) => {
          const reason = reasons[i];
          if (reason === null) added++;
          else skipped.push({ sourceContactId: c.id, phone: c.phoneMasked, candidateRef: c.candidateRef, reason });
        });
        after = page[page.length - 1].id;
        if (page.length < PAGE) break;
      }
      if (matched === 0) throw new NoContactsMatchError(String(source.id));
      return { task: (await this.tasks.findById(manager, id))!, added, skipped };
    });
    return { task: await this.getTask.view(task, null), contacts: { added, skipped } };
  }
}
