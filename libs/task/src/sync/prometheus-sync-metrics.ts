import { Injectable } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { Counter, Histogram } from 'prom-client';
import { UnfitAction, UnfitField } from '../domain/wire-fit';
import {
  CAMPAIGN_END_OUTCOMES,
  CAMPAIGN_END_TRIGGERS,
  CampaignEndOutcome,
  CampaignEndTrigger,
  SYNC_PASS_OUTCOMES,
  SYNC_TASK_RUN_OUTCOMES,
  SyncMetrics,
  SyncPassOutcome,
  SyncTaskRunOutcome,
  UNFIT_VALUE_LABELS,
} from './sync-metrics';
import { TASK_METRIC as METRIC } from '../metrics/task-metrics';

/** The sync metrics port, on Prometheus (the task module provides it; the app's `/metrics` exports it). */
@Injectable()
export class PrometheusSyncMetrics extends SyncMetrics {
  constructor(
    @InjectMetric(METRIC.syncPasses) private readonly passes: Counter<string>,
    @InjectMetric(METRIC.syncPassDuration) private readonly passDuration: Histogram<string>,
    @InjectMetric(METRIC.syncTaskRuns) private readonly taskRuns: Counter<string>,
    @InjectMetric(METRIC.syncRecordsIngested) private readonly records: Counter<string>,
    @InjectMetric(METRIC.ingestUnfitValues) private readonly unfitValues: Counter<string>,
    @InjectMetric(METRIC.syncPagingStalls) private readonly pagingStalls: Counter<string>,
    @InjectMetric(METRIC.pushesPerTransaction) private readonly pushesPerTransaction: Histogram<string>,
    @InjectMetric(METRIC.campaignEnds) private readonly campaignEnds: Counter<string>,
  ) {
    super();
    for (const outcome of SYNC_PASS_OUTCOMES) this.passes.inc({ outcome }, 0);
    for (const outcome of SYNC_TASK_RUN_OUTCOMES) this.taskRuns.inc({ outcome }, 0);
    this.records.inc(0);
    for (const labels of UNFIT_VALUE_LABELS) this.unfitValues.inc(labels, 0);
    this.pagingStalls.inc(0);
    for (const trigger of CAMPAIGN_END_TRIGGERS)
      for (const outcome of CAMPAIGN_END_OUTCOMES) this.campaignEnds.inc({ trigger, outcome }, 0);
  }

  campaignEndFollowed(trigger: CampaignEndTrigger, outcome: CampaignEndOutcome): void {
    this.campaignEnds.inc({ trigger, outcome });
  }

  unfitValue(field: UnfitField, action: UnfitAction): void {
    this.unfitValues.inc({ field, action });
  }

  pagingStalled(): void {
    this.pagingStalls.inc();
  }

  pushesCoalesced(pushes: number): void {
    this.pushesPerTransaction.observe(pushes);
  }

  taskSynced(outcome: SyncTaskRunOutcome, recordsStored: number): void {
    this.taskRuns.inc({ outcome });
    if (recordsStored > 0) this.records.inc(recordsStored);
  }

  passFinished(outcome: SyncPassOutcome, durationSeconds: number): void {
    this.passes.inc({ outcome });
    this.passDuration.observe(durationSeconds);
  }
}
