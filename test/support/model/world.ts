import axios from 'axios';
import { ConsoleLogger, Logger } from '@nestjs/common';
import { TestingModule } from '@nestjs/testing';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from '@app/database';
import { RunSyncPass, SyncPassSummary } from '@app/task';
import { asAccount, asAdmin, CALLBACK_SECRET, Harness, ShiftedClock, SIMULATOR_KEY, startHarness } from '../harness';
import { nestLogLevels } from '../test-log-level';
import { EdgePassSummary } from '@app/task';
import { RelayRoundSummary } from '@app/events';
import { startWebhookReceiver, WebhookReceiver } from '../webhook-receiver';
import { startTcpProxy, TcpProxy } from '../tcp-proxy';
import { serverUrl } from '../test-database';
import { RegisteredWebhookResponse, typed } from '../api-types';
import { PlatformProxy, startPlatformProxy } from './platform-proxy';
import { PushFaults, PushProxy, startPushProxy } from './push-proxy';
import { nextShanghai, WindowKind } from './call-windows';
import { PLATFORM, RELAY, VERBOSE } from './config';
import type { Snapshot } from './invariants';

/** Everything the model drives, started once per test file and shared by every run. */
export interface World {
  h: Harness;
  clock: ShiftedClock;
  proxy: PlatformProxy;
  /** Between the simulator's pushes and the service's callback: loses, holds back, repeats pushes. */
  pushProxy: PushProxy;
  /** The webhook endpoint registered for every firm's events (the platform's all-firms endpoint), slow or failing as told. */
  receiver: WebhookReceiver;
  webhookId: string;
  /**
   * Database connection cuts (issue 20, item 5: MySQL only), the hook for the TCP proxy between the apps and the
   * database another branch builds: when set, the `CutDatabase` command calls it; until then the command is a
   * no-op that says so. It must return once the database is reachable again.
   */
  dbCut?: DatabaseCut;
  /** The TCP proxy between the apps and the database (MySQL only), which `dbCut` cuts. */
  dbProxy?: TcpProxy;
  /** A second worker (own module, connections and lease owner) for concurrent passes. */
  secondWorker: TestingModule;
  /** The test's own connection, for consistent read-only snapshots (never the API's or the worker's). */
  observer: DataSource;
  callbackUrl: string;
  runs: number;
  /** The service's error log lines, kept so a broken invariant can say what the service logged meanwhile. */
  errors: { at: number; line: string }[];
  /** Task ids of earlier runs, retired (cancelled) at the start of the next run so passes stay small. */
  leftovers: { firm: FirmModel; taskId: string }[];
}

/** Cuts every connection of the apps to the database for `ms`, then lets them reconnect (see World.dbCut). */
export interface DatabaseCut {
  cut(ms: number): Promise<void>;
}

export type BotState = { kind: 'open' } | { kind: 'closed' } | { kind: 'expires'; at: number };

export interface FirmModel {
  id: number;
  account: number;
  bot: BotState;
}

export interface TaskModel {
  id: string;
  firm: number;
  window: WindowKind;
  maxAttempts: number;
  retryGapMinutes: number;
  batchSize: number;
  /**
   * Issue 22: each change of `maxAttempts` by an edit, in order, with the call tasks (request ids) the task had when
   * the edit was answered: a campaign prepared after it dials by the new value (attemptsBound).
   */
  attemptEdits?: { from: number; to: number; known: Set<string> }[];
  /** Issue 22: contacts withdrawn, each with the call tasks (request ids) the task had when it was answered. */
  withdrawn?: Map<string, Set<string>>;
}

export interface Faults {
  errorRate: number;
  timeoutRate: number;
  lostReplyRate: number;
  hangMs: number;
  /** Share of change_status replies (start, pause, stop) lost after the platform applied them (the model's proxy). */
  lostStatusReplyRate: number;
}

/** What the model knows: the inputs it gave (firms, tasks, faults, BOT, clock). Task states are read, not guessed. */
export interface Model {
  firms: FirmModel[];
  tasks: TaskModel[];
  faults: Faults | null;
  /** Real time (ms) from which the platform is healthy again: faults off, hung requests landed, breaker closed. */
  healthyFrom: number;
  push: boolean;
  /** What the network does to pushes (lost, held back, repeated), or nothing. */
  pushFaults: PushFaults | null;
  /** The webhook receiver: answers at once, slowly, or fails / hangs a share. */
  receiver: 'healthy' | 'slow' | 'failing';
  /** Latency added to every platform call (ms): slow, not failing. */
  latencyMs: number;
  refuse: boolean;
  oversize: boolean;
  /** Per task: healthy passes in a row after which it was still "starting" (2) with its window and BOT open. */
  startingStreak: Record<string, number>;
  /** Per task: its status as last read (only to aim commands at tasks still alive; never used as an oracle). */
  observed: Record<string, number>;
}

export interface Real {
  w: World;
  run: number;
  phoneSeq: number;
  step: number;
  log: string[];
  /** The state read at the end of the previous step: what a pass found when it started (the progress checks). */
  last?: Snapshot;
  /** Pushes sent before this (`performance.now()`: the end of the last step that cut the database) are not held to `pushAnswered`. */
  pushesHeldFrom?: number;
}

export const NEVER_DIALLED_PREFIX = '137';

export async function startWorld(): Promise<World> {
  // On MySQL the apps reach the database through a TCP proxy of the test's own, which CutDatabase cuts; the
  // observer (the test's reads) goes to the server directly. The embedded database has no connection to cut.
  const server = serverUrl();
  const dbProxy = server
    ? await startTcpProxy({ host: new URL(server).hostname, port: Number(new URL(server).port || 3306) })
    : null;
  const clock = new ShiftedClock();
  clock.set(nextShanghai(new Date(), 10, 0));
  const proxy = await startPlatformProxy();
  const pushProxy = await startPushProxy(clock);
  const h = await startHarness({
    clock,
    databaseServer: dbProxy ? viaProxy(server, dbProxy.port) : undefined,
    simulator: {
      callMs: PLATFORM.callMs,
      parallelism: PLATFORM.parallelism,
      connectRate: PLATFORM.connectRate,
      // Some connected calls say nothing: the invariant on stored conversations looks both ways.
      conversationRate: 0.8,
      now: () => clock.now(),
      neverDials: (phone) => phone.startsWith(`+86${NEVER_DIALLED_PREFIX}`),
    },
    env: {
      ROBOT_CALL_BASE_URL: proxy.baseUrl,
      ROBOT_CALL_TIMEOUT_MS: String(PLATFORM.clientTimeoutMs),
      ROBOT_CALL_RETRIES: '1',
      ROBOT_CALL_RETRY_BASE_DELAY_MS: '20',
      ROBOT_CALL_BREAKER_RESET_MS: String(PLATFORM.breakerResetMs),
      SYNC_PAGE_SIZE: '2',
      // A claim batch is 4 tasks (CLAIM_BATCH_PER_SLOT × 1): a run has more live tasks than that (issue 20, item 2).
      SYNC_CONCURRENCY: '1',
      WEBHOOK_TIMEOUT_MS: String(RELAY.timeoutMs),
      WEBHOOK_RETRY_BASE_MS: String(RELAY.retryBaseMs),
      WEBHOOK_RETRY_HOURS: String(RELAY.retryHours),
    },
  });
  proxy.target = h.simulator.baseUrl;
  await h.api.listen(0, '127.0.0.1');
  const callbackUrl = `${await h.api.getUrl()}/v1/callbacks/robot-call`.replace('[::1]', '127.0.0.1');
  pushProxy.target = callbackUrl;
  const receiver = await startWebhookReceiver();
  const registered = typed<RegisteredWebhookResponse>(
    await h.http().post('/v1/admin/webhooks').set(asAdmin()).send({ url: receiver.url }),
  );
  if (registered.status !== 201)
    throw new Error(`could not register the model's webhook: ${registered.status} ${JSON.stringify(registered.body)}`);
  receiver.secret = registered.body.secret;
  const secondWorker = await h.addWorker();
  const observer = new DataSource({
    ...buildDataSourceOptions(
      dbProxy ? { url: viaProxy(h.db.settings.url!, Number(new URL(server).port || 3306)) } : h.db.settings,
    ),
    migrations: [],
  });
  await observer.initialize();
  const errors: World['errors'] = [];
  Logger.overrideLogger(new CapturingLogger(errors));
  const webhookId = String(registered.body.id);
  const dbCut = dbProxy ? databaseCut(h, dbProxy) : undefined;
  return {
    h,
    clock,
    proxy,
    pushProxy,
    receiver,
    webhookId,
    secondWorker,
    observer,
    callbackUrl,
    runs: 0,
    errors,
    leftovers: [],
    dbCut,
    dbProxy: dbProxy ?? undefined,
  };
}

/** The URL with its port replaced (the proxy's, or the server's own). */
function viaProxy(url: string, port: number): string {
  const u = new URL(url);
  u.port = String(port);
  return u.toString();
}

/**
 * A cut of the database in the middle of the work: a sync pass is started, then every connection of the apps is
 * reset and new ones are refused for `ms`, then the database comes back; the pass (which may fail) is awaited, and
 * the cut returns once the API reads the database again. What the cut leaves (leases of the failed pass, a push
 * or follow-up cut short) is for the invariants of the steps after it.
 */
function databaseCut(h: Harness, dbProxy: TcpProxy): DatabaseCut {
  return {
    cut: async (ms) => {
      const pass = h.sync().catch(() => undefined);
      await sleep(5 + Math.floor(ms / 100));
      dbProxy.cut('refuse');
      await sleep(ms);
      dbProxy.restore();
      await pass;
      for (let i = 0; i < 100; i++) {
        if ((await h.http().get('/health/ready')).status === 200) return;
        await sleep(50);
      }
      throw new Error('the database did not come back within 5 s of the cut');
    },
  };
}

/** The last 200 error lines, kept for the messages of broken invariants; printed as the harness prints (LOG_LEVEL). */
class CapturingLogger extends ConsoleLogger {
  constructor(private readonly sink: World['errors']) {
    super('', { logLevels: nestLogLevels() });
  }

  override error(message: unknown, ...rest: unknown[]): void {
    this.sink.push({ at: Date.now(), line: String(message) });
    if (this.sink.length > 200) this.sink.shift();
    super.error(message, ...(rest as []));
  }
}

/** The service's error lines logged since `since` (ms), for the message of a broken invariant. */
export function errorsSince(w: World, since: number): string {
  const lines = w.errors.filter((e) => e.at >= since).map((e) => e.line);
  return lines.length ? ` — the service logged: ${lines.slice(-5).join(' | ')}` : '';
}

export async function stopWorld(w: World | undefined): Promise<void> {
  if (!w) return;
  await w.observer.destroy().catch(() => undefined);
  await w.h.close();
  await w.proxy.close();
  await w.pushProxy.close();
  await w.receiver.close();
  await w.dbProxy?.close();
}

// ---- the simulator's admin endpoints -------------------------------------------------------------------------

const simHeaders = { Authorization: `Bearer ${SIMULATOR_KEY}` };
const NO_FAULTS = { errorRate: 0, timeoutRate: 0, lostReplyRate: 0, delayMs: 0, hangMs: 0 };

/** Sets the failure faults (or none); `delayMs` is latency, not failure, and set on its own (setLatency). */
export async function setFaults(w: World, faults: Faults | null, seed = 1): Promise<void> {
  const { delayMs: _latency, ...failures } = NO_FAULTS;
  const { lostStatusReplyRate, ...simulated } = faults ?? { lostStatusReplyRate: 0 };
  w.proxy.lostStatusReplies =
    lostStatusReplyRate > 0 ? { rate: lostStatusReplyRate, actions: ['start', 'pause', 'stop'], seed } : null;
  await axios.put(`${w.h.simulator.baseUrl}/_simulator/faults`, { ...failures, ...simulated }, { headers: simHeaders });
}

export async function setLatency(w: World, delayMs: number): Promise<void> {
  await axios.put(`${w.h.simulator.baseUrl}/_simulator/faults`, { delayMs }, { headers: simHeaders });
}

/** Whether a campaign of this task dials now (status 1 with contacts left), read from the platform. */
export async function taskDialling(w: World, taskId: string): Promise<string | null> {
  const rows: { request_id: string }[] = await w.observer.query(
    'SELECT request_id FROM ai_visitor_call_task WHERE task_id = ?',
    [taskId],
  );
  const mine = new Set(rows.map((row) => row.request_id));
  const dialling = (await simCampaigns(w)).find(
    (c) => mine.has(c.request_id) && c.status === 1 && c.dialled_count < c.contact_count,
  );
  return dialling?.campaign_id ?? null;
}

export async function setPush(w: World, on: boolean): Promise<void> {
  // Through the push proxy, which forwards each push as it comes unless push faults are set (setPushFaults).
  const body = on ? { url: w.pushProxy.url, secret: CALLBACK_SECRET, batchMs: 0 } : { url: '' };
  await axios.put(`${w.h.simulator.baseUrl}/_simulator/push`, body, { headers: simHeaders });
}

export async function pushPending(w: World): Promise<number> {
  return (
    await axios.get<SimEnvelope<{ pending: number }>>(`${w.h.simulator.baseUrl}/_simulator/push`, {
      headers: simHeaders,
    })
  ).data.data.pending;
}

/** The simulator's answers: `{ data }`. */
interface SimEnvelope<T> {
  data: T;
}

export interface SimRecord {
  record_id: string;
  ref: string;
  call_result: number;
  fail_reason: string | null;
  intention: number;
  called_at: string;
  /** The conversation, on a connected call's record when the platform gives it. */
  recording_url?: string;
  transcript?: string;
  summary?: string;
}

export interface SimCampaign {
  campaign_id: string;
  request_id: string;
  name: string;
  status: number;
  contact_count: number;
  dialled_count: number;
  in_flight_count: number;
  records: SimRecord[];
  /** The campaign's contacts (`ref` is the service's contact id), from GET /_simulator/campaigns/:id. */
  contacts: { ref: string; phone: string }[];
}

/** Every campaign the simulator holds (summaries only). */
export async function simCampaigns(w: World): Promise<Omit<SimCampaign, 'records' | 'contacts'>[]> {
  return (
    await axios.get<SimEnvelope<Omit<SimCampaign, 'records' | 'contacts'>[]>>(
      `${w.h.simulator.baseUrl}/_simulator/campaigns`,
      {
        headers: simHeaders,
      },
    )
  ).data.data;
}

export async function simCampaign(w: World, id: string): Promise<SimCampaign> {
  return (
    await axios.get<SimEnvelope<SimCampaign>>(`${w.h.simulator.baseUrl}/_simulator/campaigns/${id}`, {
      headers: simHeaders,
    })
  ).data.data;
}

// ---- the service -------------------------------------------------------------------------------------------

export function as(firm: FirmModel): Record<string, string> {
  return asAccount(firm.id, firm.account);
}

export async function grant(w: World, firm: FirmModel, state: BotState): Promise<number> {
  const now = w.clock.now().getTime();
  const farAway = new Date(now + 30 * 24 * 3600_000).toISOString();
  const body =
    state.kind === 'open'
      ? { isOpenBot: true, botExpireAt: farAway, botTaskNum: 1000 }
      : state.kind === 'closed'
        ? { isOpenBot: false, botExpireAt: farAway, botTaskNum: 1000 }
        : { isOpenBot: true, botExpireAt: new Date(state.at).toISOString(), botTaskNum: 1000 };
  const res = await w.h.http().put(`/v1/admin/firms/${firm.id}/bot`).set(asAdmin()).send(body);
  return res.status;
}

export function botUsable(firm: FirmModel, at: Date): boolean {
  if (firm.bot.kind === 'open') return true;
  if (firm.bot.kind === 'closed') return false;
  return at.getTime() < firm.bot.at;
}

export function botRefusal(firm: FirmModel): string | null {
  return firm.bot.kind === 'closed' ? 'BOT_NOT_OPEN' : firm.bot.kind === 'expires' ? 'BOT_EXPIRED' : null;
}

/** One edge check (window and BOT edges), as the worker's every-minute cron runs it. */
export async function edgePass(w: World): Promise<EdgePassSummary> {
  const summary = await w.h.edges();
  await followUpsSettled(w);
  return summary;
}

/**
 * Waits (a few seconds at most) until no campaign-end follow-up holds a task's lease: pushes keep arriving in the
 * background, and the API moves a task on right after the push that ends its campaign (CampaignEndFollower, under a
 * lease owned `…:follow:…`), so a check made while one is between the platform's `start` and its confirm would see
 * a launch in flight, not the state a pass left. The model's checks are of the state a step leaves, so a step
 * that runs a pass ends once the follow-ups it may have raced with are done.
 */
export async function followUpsSettled(w: World): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const [row]: { n: string | number }[] = await w.observer.query(
      `SELECT COUNT(*) AS n FROM ai_visitor_task WHERE lease_owner LIKE '%:follow:%' AND lease_until IS NOT NULL`,
    );
    if (Number(row.n) === 0) return;
    await sleep(25);
  }
}

/** Relay rounds until one claims less than a full batch (so every due delivery was offered a round). */
export async function relayRounds(w: World, max = 20): Promise<RelayRoundSummary[]> {
  const rounds: RelayRoundSummary[] = [];
  for (let i = 0; i < max; i++) {
    const round = await w.h.relay();
    rounds.push(round);
    if (round.claimed < 100 && round.sequenced < 1000 && round.fannedOut < 500) break;
  }
  return rounds;
}

export async function pass(w: World, which: 'main' | 'second' = 'main'): Promise<SyncPassSummary> {
  const summary = await (which === 'main' ? w.h.sync() : w.secondWorker.get(RunSyncPass).execute());
  await followUpsSettled(w);
  return summary;
}

export function note(r: Real, line: string): void {
  r.log.push(line);
  if (VERBOSE) process.stdout.write(`[run ${r.run}] ${line}\n`);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
