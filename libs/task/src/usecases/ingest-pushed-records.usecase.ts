import { Injectable } from '@nestjs/common';
import { DomainError, ErrorKind } from '@app/core';
import { TransactionRunner } from '@app/database';
import { RemoteCallRecord } from '@app/campaign-gateway';
import { TaskRepository } from '../repositories/task.repository';
import { RecordIngestor } from '../record-ingestor';

export class UnknownCampaignError extends DomainError {
  readonly code = 'CAMPAIGN_NOT_FOUND';
  readonly kind = ErrorKind.NotFound;
  constructor(campaignId: string) {
    super(`No call task is recorded for campaign ${campaignId} (yet): retry later`);
  }
}

export interface IngestPushedRecordsCommand {
  campaignId: string;
  records: RemoteCallRecord[];
}

/**
 * Records pushed by the platform's callback go through exactly the path of the sync (RecordIngestor), under
 * the task's lock: stored once by record id, so a push repeated, or also read by polling, changes nothing.
 * The sync's cursor is left alone: polling stays the safety net and simply finds these records stored.
 */
@Injectable()
export class IngestPushedRecords {
  constructor(
    private readonly tx: TransactionRunner,
    private readonly tasks: TaskRepository,
    private readonly ingestor: RecordIngestor,
  ) {}

  async execute(command: IngestPushedRecordsCommand): Promise<{ received: number; stored: number }> {
    const callTask = await this.tasks.findCallTaskByCampaign(this.tx.autocommit, command.campaignId);
    if (!callTask) throw new UnknownCampaignError(command.campaignId);
    return this.tx.run(async (manager) => {
      const task = await this.tasks.lock(manager, callTask.taskId);
      if (!task) throw new UnknownCampaignError(command.campaignId);
      const outcome = await this.ingestor.ingest(manager, { task, callTaskId: callTask.id, records: command.records });
      return { received: outcome.received, stored: outcome.stored };
    });
  }
}
