import { Injectable } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { Counter, Histogram } from 'prom-client';
import {
  SYNC_PASS_OUTCOMES,
  SYNC_TASK_RUN_OUTCOMES,
  SyncMetrics,
  UNFIT_VALUE_LABELS,
  UnfitAction,
  UnfitField,
  SyncPassOutcome,
  SyncTaskRunOutcome,
} from '@app/task';
import { METRIC } from './metric-names';

/** The task lib's sync metrics port, on Prometheus. */
@Injectable()
export class PrometheusSyncMetrics extends SyncMetrics {
  constructor(
    @InjectMetric(METRIC.syncPasses) private readonly passes: Counter<string>,
    @InjectMetric(METRIC.syncPassDuration) private readonly passDuration: Histogram<string>,
    @InjectMetric(METRIC.syncTaskRuns) private readonly taskRuns: Counter<string>,
    @InjectMetric(METRIC.syncRecordsIngested) private readonly records: Counter<string>,
    @InjectMetric(METRIC.ingestUnfitValues) private readonly unfitValues: Counter<string>,
    @InjectMetric(METRIC.syncPagingStalls) private readonly pagingStalls: Counter<string>,
  ) {
    super();
    for (const outcome of SYNC_PASS_OUTCOMES) this.passes.inc({ outcome }, 0);
    for (const outcome of SYNC_TASK_RUN_OUTCOMES) this.taskRuns.inc({ outcome }, 0);
    this.records.inc(0);
    for (const labels of UNFIT_VALUE_LABELS) this.unfitValues.inc(labels, 0);
    this.pagingStalls.inc(0);
  }

  unfitValue(field: UnfitField, action: UnfitAction): void {
    this.unfitValues.inc({ field, action });
  }

  pagingStalled(): void {
    this.pagingStalls.inc();
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
