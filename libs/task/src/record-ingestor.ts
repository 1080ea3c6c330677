import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Clock, failpoint } from '@app/core';
import { SuppressionService } from '@app/suppression';
import { ContactRepository, IncomingRecord, IngestOutcome } from './repositories/contact.repository';
import { TaskEntity } from './entities/task.entity';
import { TaskStatus } from './domain/statuses';
import { nextWindowOpening } from './domain/call-window';
import { taskCallWindow } from './domain/task-window';
import { TASK_SETTINGS, TaskSettings } from './task.settings';

/**
 * The one path by which call results enter the database, whether polled by the sync or pushed by the platform:
 * each record stored once by its remote id, contacts moved on, and the firm-wide consequences of what the
 * candidate said ("not considering" → do-not-call list, wrong number → invalid for the firm).
 * Runs inside the caller's transaction, under the task's lock.
 */
@Injectable()
export class RecordIngestor {
  constructor(
    private readonly contacts: ContactRepository,
    private readonly suppression: SuppressionService,
    private readonly clock: Clock,
    @Inject(TASK_SETTINGS) private readonly settings: TaskSettings,
  ) {}

  async ingest(manager: EntityManager, task: TaskEntity, callTaskId: string, records: readonly IncomingRecord[]): Promise<IngestOutcome> {
    const now = this.clock.now();
    const window = taskCallWindow(task);
    // Scheduled on the service's clock, like every other window decision: the same instant for the whole page,
    // so it is worked out once (the time-zone arithmetic is the costliest JavaScript of a page).
    let callback: Date | undefined;
    const callbackAt = () => (callback ??= nextWindowOpening(window, now, this.settings.inconvenientCallbackDays));
    const outcome = await this.contacts.ingest(manager, task.id, callTaskId, records, task, callbackAt, now);
    if (outcome.notConsidering.length) {
      await this.suppression.addDoNotCall(manager, task.firmId, outcome.notConsidering, 'not_considering', now);
    }
    if (outcome.wrongNumbers.length) await this.suppression.markInvalid(manager, task.firmId, outcome.wrongNumbers);
    if (outcome.notConsidering.length || outcome.wrongNumbers.length) failpoint('ingest.after-suppression');
    // A cancelled task calls nobody again: a failed call that would have been retried closes its contact.
    if (task.status === TaskStatus.Cancelled && outcome.requeued > 0) await this.contacts.closeForCancel(manager, task.id, null);
    return outcome;
  }
}
