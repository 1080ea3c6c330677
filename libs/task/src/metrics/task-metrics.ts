import { Provider } from '@nestjs/common';
import { makeCounterProvider, makeGaugeProvider, makeHistogramProvider } from '@willsoto/nestjs-prometheus';
import { Gauge } from 'prom-client';
import { DataSource } from 'typeorm';
import { collectTasksByStatus } from './tasks-by-status';

/** The task lib's metrics (docs/operations.md describes them); exported by the app's `/metrics`. */
export const TASK_METRIC = {
  /** Counter {outcome: ok | partial | error}: sync passes; `partial` = some task failed, `error` = the pass broke off. */
  syncPasses: 'aiv_sync_passes_total',
  /** Histogram: how long a sync pass took. */
  syncPassDuration: 'aiv_sync_pass_duration_seconds',
  /** Counter {outcome: SYNC_TASK_RUN_OUTCOMES}: one task's sync. */
  syncTaskRuns: 'aiv_sync_task_runs_total',
  /** Counter: call records stored by the sync (each remote record is stored once). */
  syncRecordsIngested: 'aiv_sync_records_ingested_total',
  /**
   * Counter {field, action: cut | hashed | replaced | rejected | not_saved}: values from the platform (polled or
   * pushed) that did not fit the database, counted each time they are received.
   */
  ingestUnfitValues: 'aiv_ingest_unfit_values_total',
  /** Counter: campaign paging answers that announced more records without a new cursor (reading stopped for the pass). */
  syncPagingStalls: 'aiv_sync_paging_stalls_total',
  /**
   * Histogram: pushes of results (POST /v1/callbacks/robot-call) per transaction; a push arriving while its
   * task's transaction runs shares the next one. Its count is the transactions, its sum the pushes.
   */
  pushesPerTransaction: 'aiv_push_pushes_per_transaction',
  /**
   * Counter {trigger: push | probe, outcome: moved_on | deferred}: campaigns whose end was noticed outside the sync
   * pass (a push that gave every contact its result; the minute check's probe of a running campaign) and whether
   * the task was moved on then (`deferred`: left to the next minute check).
   */
  campaignEnds: 'aiv_campaign_ends_followed_total',
  /** Gauge {status}: tasks by status, counted by the database on each scrape. */
  tasks: 'aiv_tasks',
} as const;

const SYNC_PASS_DURATION_BUCKETS = [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800];

/** Registered once per process (prom-client's registry is global: a second app in the same process shares them). */
export const TASK_METRIC_PROVIDERS: Provider[] = [
  makeCounterProvider({
    name: TASK_METRIC.syncPasses,
    help: 'Sync passes by outcome (ok, partial: some task failed, error: the pass broke off)',
    labelNames: ['outcome'],
  }),
  makeHistogramProvider({
    name: TASK_METRIC.syncPassDuration,
    help: 'Duration of sync passes',
    buckets: SYNC_PASS_DURATION_BUCKETS,
  }),
  makeCounterProvider({
    name: TASK_METRIC.syncTaskRuns,
    help: "One task's sync, by what it did (or failed)",
    labelNames: ['outcome'],
  }),
  makeCounterProvider({
    name: TASK_METRIC.syncRecordsIngested,
    help: 'Call records stored by the sync',
  }),
  makeCounterProvider({
    name: TASK_METRIC.ingestUnfitValues,
    help: 'Values from the robot-call platform that did not fit the database, by field and what was done (cut, hashed, replaced, rejected, not_saved)',
    labelNames: ['field', 'action'],
  }),
  makeCounterProvider({
    name: TASK_METRIC.syncPagingStalls,
    help: 'Campaign detail answers with has_more true and no new next_cursor: reading that campaign stopped for the pass',
  }),
  makeHistogramProvider({
    name: TASK_METRIC.pushesPerTransaction,
    help: 'Pushed results per transaction: pushes of one task arriving together share a transaction',
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
  }),
  makeCounterProvider({
    name: TASK_METRIC.campaignEnds,
    help: 'Campaign ends noticed outside the sync pass (push, probe) and whether the task was moved on then (moved_on, deferred)',
    labelNames: ['trigger', 'outcome'],
  }),
  makeGaugeProvider({
    name: TASK_METRIC.tasks,
    help: 'Tasks by status, counted by the database on each scrape',
    labelNames: ['status'],
    inject: [DataSource],
    collect(this: Gauge<string>, dataSource: DataSource) {
      return collectTasksByStatus(this, dataSource);
    },
  }),
];
