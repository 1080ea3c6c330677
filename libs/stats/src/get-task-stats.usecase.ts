import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CallResult, ContactStatus, Intention, TaskAccess } from '@app/task';

export interface TaskStats {
  taskId: string;
  total: number;
  waiting: number;
  inCampaign: number;
  done: number;
  skipped: number;
  connected: number;
  failed: number;
  /** Calls made in all, retries included. */
  attempts: number;
  intentions: { interested: number; notConsidering: number; inconvenient: number; wrongNumber: number };
  /** connected / contacts called at least once; 0 when nobody was called yet. */
  connectRate: number;
  /** interested / connected; 0 when nobody was reached yet. */
  interestRate: number;
}

interface CounterRow {
  status: number | string;
  call_result: number | string;
  intension_result: number | string;
  contacts: number | string;
  attempts: number | string;
}

/**
 * SPEC §3 statistics, read from the task's counters (`ai_visitor_task_stats`: contacts and attempts by status,
 * call result and intention, kept by triggers in the same transaction as every contact change; see migration
 * TaskStatsCounters): a few dozen rows at most, whatever the task's size, never the contacts themselves.
 * Intentions come from `intension_result` (the review's slip read them from `call_result`).
 */
@Injectable()
export class GetTaskStats {
  constructor(private readonly dataSource: DataSource) {}

  /** One query: the counter rows of a task the caller was granted access to (the ownership check is the grant's). */
  async execute({ access }: { access: TaskAccess }): Promise<TaskStats> {
    const rows: CounterRow[] = await this.dataSource.query(
      'SELECT status, call_result, intension_result, contacts, attempts FROM ai_visitor_task_stats WHERE task_id = ? AND contacts <> 0',
      [access.taskId],
    );
    return summarize(access.taskId, rows);
  }
}

/** Adds the counter rows up into the statistics the API reports. */
export function summarize(taskId: string, rows: readonly CounterRow[]): TaskStats {
  const count = (match: (r: { status: number; callResult: number; intention: number }) => boolean, field: 'contacts' | 'attempts' = 'contacts') =>
    rows.reduce(
      (sum, r) =>
        match({ status: Number(r.status), callResult: Number(r.call_result), intention: Number(r.intension_result) }) ? sum + Number(r[field]) : sum,
      0,
    );
  const connected = count((r) => r.callResult === CallResult.Connected);
  const failed = count((r) => r.callResult === CallResult.Failed);
  const interested = count((r) => r.intention === Intention.Interested);
  const called = connected + failed;
  return {
    taskId,
    total: count(() => true),
    waiting: count((r) => r.status === ContactStatus.Waiting),
    inCampaign: count((r) => r.status === ContactStatus.InCampaign),
    done: count((r) => r.status === ContactStatus.Done),
    skipped: count((r) => r.status === ContactStatus.Skipped),
    connected,
    failed,
    attempts: count(() => true, 'attempts'),
    intentions: {
      interested,
      notConsidering: count((r) => r.intention === Intention.NotConsidering),
      inconvenient: count((r) => r.intention === Intention.Inconvenient),
      wrongNumber: count((r) => r.intention === Intention.WrongNumber),
    },
    connectRate: called ? round(connected / called) : 0,
    interestRate: connected ? round(interested / connected) : 0,
  };
}

function round(x: number): number {
  return Math.round(x * 10000) / 10000;
}
