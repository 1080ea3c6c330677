/**
 * Crash points for the crash-recovery tests: `failpoint(name)` marks a place in the sync or the webhook relay
 * where a worker may die (between a remote call and the local write that records it, inside a transaction,
 * between two transactions).
 * It does nothing unless the process was started with `AIV_FAILPOINT=<name>` (or `<name>@<n>`: the n-th time
 * the point is reached), in which case the process kills itself there with SIGKILL, a real `kill -9`: no
 * handler, no finally, no graceful close. Never set AIV_FAILPOINT in production.
 */
export const FAILPOINTS = [
  'pass.after-claim',
  'task.before-sync',
  'launch.before-create',
  'launch.after-create',
  'launch.after-campaign-id',
  'launch.after-start',
  'launch.after-running',
  'drain.after-fetch',
  'ingest.after-records',
  'ingest.after-contacts',
  'ingest.after-suppression',
  'drain.before-commit',
  'drain.after-commit',
  'finish.before',
  'finish.after-commit',
  'prepare.after-claim',
  'prepare.after-commit',
  'complete.before-commit',
  'complete.after-commit',
  'suspend.after-pause-recorded',
  'suspend.after-remote-pause',
  'pass.before-release',
  // The events sequencer (libs/events): a batch's events inserted, the batch row not deleted yet (uncommitted).
  'sequence.after-render',
  // The webhook relay (libs/events): deliveries leased, not sent yet; sent, not recorded yet.
  'relay.after-claim',
  'relay.after-post',
] as const;

export type FailpointName = (typeof FAILPOINTS)[number];

interface Armed {
  name: string;
  nth: number;
  hits: number;
}

function arm(spec: string | undefined): Armed | null {
  if (!spec) return null;
  const [name, nth] = spec.split('@');
  if (!(FAILPOINTS as readonly string[]).includes(name)) throw new Error(`AIV_FAILPOINT names no crash point: ${name}`);
  return { name, nth: nth ? Math.max(1, Number(nth)) : 1, hits: 0 };
}

/**
 * Read once, when the process loads this module: unset (production), the cost of a point is one comparison.
 * Straight from process.env, not from a config namespace: a test hook, not configuration, and the points sit
 * in lib code that runs before (and outside) any Nest container.
 */
const armed = arm(process.env.AIV_FAILPOINT);

export function failpoint(name: FailpointName): void {
  if (armed === null || armed.name !== name) return;
  armed.hits += 1;
  if (armed.hits >= armed.nth) process.kill(process.pid, 'SIGKILL');
}
