import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { assertOwnedBy, Caller, CallResult, ContactStatus, Intention, TaskRepository } from '@app/task';

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

type Row = Record<string, string | number | null>;

/**
 * SPEC §3 statistics, counted by the database in one aggregate over the task's contacts (the covering index
 * idx_list_stats), never by loading rows. Intentions come from `intension_result` (the review's slip read them
 * from `call_result`).
 */
@Injectable()
export class GetTaskStats {
  constructor(
    private readonly dataSource: DataSource,
    private readonly tasks: TaskRepository,
  ) {}

  async execute(query: { caller: Caller; taskId: string }): Promise<TaskStats> {
    assertOwnedBy(await this.tasks.findById(query.taskId), query.taskId, query.caller);
    const [row]: Row[] = await this.dataSource.query(
      `SELECT
         COUNT(*) AS total,
         COALESCE(SUM(status = ${ContactStatus.Waiting}), 0) AS waiting,
         COALESCE(SUM(status = ${ContactStatus.InCampaign}), 0) AS in_campaign,
         COALESCE(SUM(status = ${ContactStatus.Done}), 0) AS done,
         COALESCE(SUM(status = ${ContactStatus.Skipped}), 0) AS skipped,
         COALESCE(SUM(call_result = ${CallResult.Connected}), 0) AS connected,
         COALESCE(SUM(call_result = ${CallResult.Failed}), 0) AS failed,
         COALESCE(SUM(attempts), 0) AS attempts,
         COALESCE(SUM(intension_result = ${Intention.Interested}), 0) AS interested,
         COALESCE(SUM(intension_result = ${Intention.NotConsidering}), 0) AS not_considering,
         COALESCE(SUM(intension_result = ${Intention.Inconvenient}), 0) AS inconvenient,
         COALESCE(SUM(intension_result = ${Intention.WrongNumber}), 0) AS wrong_number
       FROM ai_visitor_list WHERE task_id = ?`,
      [query.taskId],
    );
    const n = (key: string) => Number(row?.[key] ?? 0);
    const connected = n('connected');
    const called = connected + n('failed');
    return {
      taskId: String(query.taskId),
      total: n('total'),
      waiting: n('waiting'),
      inCampaign: n('in_campaign'),
      done: n('done'),
      skipped: n('skipped'),
      connected,
      failed: n('failed'),
      attempts: n('attempts'),
      intentions: {
        interested: n('interested'),
        notConsidering: n('not_considering'),
        inconvenient: n('inconvenient'),
        wrongNumber: n('wrong_number'),
      },
      connectRate: called ? round(connected / called) : 0,
      interestRate: connected ? round(n('interested') / connected) : 0,
    };
  }
}

function round(x: number): number {
  return Math.round(x * 10000) / 10000;
}
