import {
  CreateMany,
  CreateTask,
  EdgePass,
  ModelCommand,
  Pass,
  Recruiter,
  Redeliver,
  Relay,
  SetFaults,
  TaskShape,
  Toggle,
  Wait,
} from './commands';

/**
 * Fixed runs of the model for the cases of issue 20 (items 1–4), each a directed sequence of the model's own
 * commands, checked by the same invariants after every step and followed by the same final phase. Each failed on
 * main before its fix, with the invariant named (see also the seeds recorded in the spec's header).
 */
export interface Regression {
  name: string;
  /** Issue 20's item, and the invariant that caught it on main before the fix. */
  item: string;
  invariant: string;
  commands: () => ModelCommand[];
}

const shape = (contacts: number, batchSize: number, overrides: Partial<TaskShape> = {}): TaskShape => ({
  firm: 0,
  neverDialled: Array.from({ length: contacts }, () => false),
  batchSize,
  maxAttempts: 1,
  retryGapMinutes: 0,
  window: 'always',
  ...overrides,
});

export const REGRESSIONS: Regression[] = [
  {
    name: 'a campaign whose end the pushes reveal is moved on at once, not after the push-quiet period',
    item: '1',
    invariant: 'campaignMovedOn',
    // On main: every push moves sync_after SYNC_SKIP_AFTER_PUSH_SECONDS ahead and nothing notices the end:
    // "pushes stored the result of every contact of campaign …; 3000 ms later the call task is still 1".
    commands: () => [
      new CreateTask(shape(4, 2)),
      new Toggle('push', true),
      new Recruiter(0, 'start'),
      new Wait(300),
      new Pass('main'),
    ],
  },
  {
    name: 'a campaign whose end no push reveals (a contact never dialled) is moved on by the next edge check',
    item: '1',
    invariant: 'campaignMovedOn',
    // On main the edge pass only looks at window and BOT edges: "campaign … was finished on the platform … when a
    // healthy edge pass started; after it the call task is still 1".
    commands: () => [
      new CreateTask(shape(2, 2, { neverDialled: [false, true] })),
      new Recruiter(0, 'start'),
      new Wait(300),
      new EdgePass(),
    ],
  },
  {
    name: 'a campaign ended with a contact never dialled, its task made quiet by pushes, is moved on by the next edge check',
    item: '1',
    invariant: 'campaignMovedOn',
    // Found by the model's default seed once issue 22's commands changed its sequences: the model held a sync pass
    // to a task its pushes had made quiet (sync_after ahead), which the stated bound leaves to the minute check
    // ("campaign … was finished on the platform (1 records of 2 contacts) when a healthy sync pass started"). The
    // invariant now exempts such a task from the sync pass; the edge pass that follows must move it on.
    commands: () => [
      new Toggle('push', true),
      new CreateMany([shape(2, 2, { neverDialled: [false, true] })]),
      new Wait(300),
      new Pass('main'),
      new EdgePass(),
    ],
  },
  {
    name: 'a cancelled task still reading is visited by the next pass, whatever the number of live tasks above it',
    item: '2',
    invariant: 'dueWork',
    // On main, SyncLeases.tryClaim looks for finished-but-still-reading tasks only once the live candidates run
    // out, with a cursor already past them: with 4 live tasks above it (one claim batch at SYNC_CONCURRENCY 1)
    // "cancelled task …'s call task … was left to read when a healthy pass started; after it the call task is still 1".
    commands: () => [
      new CreateTask(shape(6, 2)),
      new Recruiter(0, 'start'),
      new CreateMany([shape(6, 2), shape(6, 2), shape(6, 2), shape(6, 2)]),
      new Wait(200),
      new Recruiter(0, 'cancel'),
      new Pass('main'),
    ],
  },
  {
    name: 'a pause after a start whose change_status reply was lost pauses the campaign on the platform',
    item: '3',
    invariant: 'stoppedWithinOnePass',
    // On main the call task still says 0 (never confirmed), so the launcher sends no remote pause, and with
    // pushes arriving the task is not even polled: "campaign … (call task …, local status 0) still dials
    // (…/400) after a healthy pass although task … was paused".
    commands: () => [
      new CreateTask(shape(400, 400)),
      new Toggle('push', true),
      new SetFaults({ errorRate: 0, timeoutRate: 0, lostReplyRate: 0, hangMs: 150, lostStatusReplyRate: 1 }),
      new Recruiter(0, 'start'),
      new Recruiter(0, 'pause'),
      new SetFaults(null),
      new Pass('main'),
    ],
  },
  {
    name: 'a redelivery by time range leaves no delivery pending for ever (unrendered batch rows)',
    item: '4',
    invariant: 'deliveryDue',
    // On main RedeliverEvents also schedules the outbox's unrendered batch rows (task set, sequence null): no
    // claim ever offers them, and the sequencer deletes the row once rendered: "delivery … (event batch:records
    // …, sequence null …) was due … still pending, never tried".
    commands: () => [
      new CreateTask(shape(4, 4)),
      new Recruiter(0, 'start'),
      new Wait(200),
      new Pass('main'),
      new Redeliver(5),
      new Relay(),
    ],
  },
];
