import { CallResult, ContactStatus, Intention } from './counter-codes';

/** A task's statistics, from its counters (SPEC §3). */
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
  /** The skipped contacts by why they were skipped (they add up to `skipped`). */
  skippedBy: { doNotCall: number; invalid: number; cooling: number; cancelled: number; withdrawn: number };
  /** connected / contacts called at least once; 0 when nobody was called yet. */
  connectRate: number;
  /** interested / connected; 0 when nobody was reached yet. */
  interestRate: number;
}

/** One row of `ai_visitor_task_stats`, as the driver returns it (internal to this lib). */
interface CounterRow {
  status: number | string;
  call_result: number | string;
  intension_result: number | string;
  /** `''` for a contact not skipped. */
  skip_reason: string;
  contacts: number | string;
  attempts: number | string;
}

/** The statement that reads a task's counters (a few dozen rows at most, whatever the task's size). Internal. */
export const TASK_COUNTERS_SQL =
  'SELECT status, call_result, intension_result, skip_reason, contacts, attempts FROM ai_visitor_task_stats WHERE task_id = ? AND contacts <> 0';

/** Adds the counter rows up into the statistics the API reports (and `task.completed` carries). */
export function summarizeCounters(taskId: string, rows: readonly CounterRow[]): TaskStats {
  const count = (
    match: (r: { status: ContactStatus; callResult: CallResult; intention: Intention; skipReason: string }) => boolean,
    field: 'contacts' | 'attempts' = 'contacts',
  ) =>
    rows.reduce(
      (sum, r) =>
        match({
          status: Number(r.status),
          callResult: Number(r.call_result),
          intention: Number(r.intension_result),
          skipReason: r.skip_reason,
        })
          ? sum + Number(r[field])
          : sum,
      0,
    );
  const connected = count((r) => r.callResult === CallResult.Connected);
  const failed = count((r) => r.callResult === CallResult.Failed);
  const interested = count((r) => r.intention === Intention.Interested);
  const called = connected + failed;
  const skippedFor = (reason: string) => count((r) => r.status === ContactStatus.Skipped && r.skipReason === reason);
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
    skippedBy: {
      doNotCall: skippedFor('do_not_call'),
      invalid: skippedFor('invalid'),
      cooling: skippedFor('cooling'),
      cancelled: skippedFor('cancelled'),
      withdrawn: skippedFor('withdrawn'),
    },
    connectRate: called ? round(connected / called) : 0,
    interestRate: connected ? round(interested / connected) : 0,
  };
}

function round(x: number): number {
  return Math.round(x * 10000) / 10000;
}
