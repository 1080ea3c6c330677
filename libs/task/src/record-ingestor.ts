import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Clock, failpoint, maskPhonesInText } from '@app/core';
import { SuppressionService } from '@app/suppression';
import { ContactRepository, IncomingRecord, IngestOutcome } from './repositories/contact.repository';
import { TaskEntity } from './entities/task.entity';
import { TaskStatus } from './domain/statuses';
import { nextWindowOpening } from './domain/call-window';
import { taskCallWindow } from './domain/task-window';
import { TASK_SETTINGS, TaskSettings } from './task.settings';
import { describeUnfit, fitRecords } from './domain/wire-fit';
import { SyncMetrics } from './sync-metrics';

/**
 * The one path by which call results enter the database, whether polled by the sync or pushed by the platform:
 * each record stored once by its remote id, contacts moved on, and the firm-wide consequences of what the
 * candidate said ("not considering" → do-not-call list, wrong number → invalid for the firm).
 * Values that do not fit their columns are fitted first (domain/wire-fit: cut, or the record rejected), with a
 * warning and a metric, so one oversized value never fails the page it came in.
 * Runs inside the caller's transaction, under the task's lock.
 */
@Injectable()
export class RecordIngestor {
  private readonly logger = new Logger(RecordIngestor.name);

  constructor(
    private readonly contacts: ContactRepository,
    private readonly suppression: SuppressionService,
    private readonly clock: Clock,
    @Inject(TASK_SETTINGS) private readonly settings: TaskSettings,
    @Optional() private readonly metrics?: SyncMetrics,
  ) {}

  async ingest(manager: EntityManager, task: TaskEntity, callTaskId: string, received: readonly IncomingRecord[]): Promise<IngestOutcome> {
    const now = this.clock.now();
    const { records, unfit } = fitRecords(received, now);
    if (unfit.length > 0) {
      this.logger.warn(
        `task ${task.id}, call task ${callTaskId}: ${unfit.length} value(s) of the platform's records did not fit the database ` +
          `and were fitted or their record rejected: ${maskPhonesInText(describeUnfit(unfit))}`,
      );
      for (const value of unfit) this.metrics?.unfitValue(value.field, value.action);
    }
    const window = taskCallWindow(task);
    // Scheduled on the service's clock, like every other window decision: the same instant for the whole page,
    // so it is worked out once (the time-zone arithmetic is the costliest JavaScript of a page).
    let callback: Date | undefined;
    const callbackAt = () => (callback ??= nextWindowOpening(window, now, this.settings.inconvenientCallbackDays));
    const outcome = { ...(await this.contacts.ingest(manager, task.id, callTaskId, records, task, callbackAt, now)), received: received.length };
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
