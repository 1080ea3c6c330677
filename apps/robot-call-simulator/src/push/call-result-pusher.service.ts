import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { SimulatedCallRecord } from '../campaigns/simulated-campaign';
import { recordView } from '../contract/wire-views';
import { RefusalCode, SimulatorRefusal } from '../envelope/envelope';
import {
  numericOptionProblem,
  pushSecretProblem,
  pushUrlProblem,
  SIMULATOR_OPTIONS,
  SimulatorOptions,
  SimulatorPushSettings,
} from '../simulator.options';
import { PUSH_SIGNATURE_HEADER, PUSH_TIMESTAMP_HEADER, pushSignature } from './push-signature';

/** Waits before the 2nd, 3rd and 4th attempt of a push; then it is given up (the receiver's polling catches up). */
export const PUSH_RETRY_DELAYS_MS: readonly number[] = [200, 1000, 3000];
/** How long one POST may take before it counts as failed. */
export const PUSH_TIMEOUT_MS = 5000;
/** A batch is sent early once it holds this many records (the largest detail page), so bodies stay bounded. */
export const PUSH_MAX_BATCH_RECORDS = 1000;

/** The runtime push settings as `PUT /_simulator/push` takes them. The secret is write-only. */
export interface PushSettingsPatch {
  url?: string;
  secret?: string;
  batchMs?: number;
}

export interface PushCounters {
  /** POSTs sent, retries included. */
  attempted: number;
  /** POSTs answered 2xx. */
  succeeded: number;
  /** POSTs answered non-2xx, refused, or not answered within PUSH_TIMEOUT_MS. */
  failed: number;
  /** Pushes abandoned after their last retry failed. */
  gaveUp: number;
  /** Records carried by POSTs answered 2xx. */
  recordsDelivered: number;
  /** Pushes not finished yet: batches still gathering, POSTs in flight or waiting to be retried. */
  pending: number;
}

export type PushView = { url: string; batchMs: number } & PushCounters;

type WireRecord = ReturnType<typeof recordView>;

/** Where a push goes: fixed when the push (or its batch) starts, so later setting changes do not redirect it. */
interface PushTarget {
  url: string;
  secret: string;
}

interface OpenBatch {
  target: PushTarget;
  records: WireRecord[];
  timer: NodeJS.Timeout;
}

const PATCH_KEYS = ['url', 'secret', 'batchMs'] as const;

/**
 * Pushes each finished call's record to the receiver's callback URL, signed, with retries. Runs beside the
 * dialling and never blocks or breaks it: `recorded` only queues, failures are counted and logged. Reset and
 * shutdown drop whatever is still gathering, waiting or in flight.
 */
@Injectable()
export class CallResultPusher implements OnModuleDestroy {
  private readonly logger = new Logger('RobotCallSimulator');
  private settings: SimulatorPushSettings;
  private counters = zeroCounters();
  private readonly batches = new Map<string, OpenBatch>();
  private readonly retryWaits = new Map<NodeJS.Timeout, () => void>();
  private readonly inFlight = new Set<AbortController>();
  /** Deliveries started and not yet finished (sending, or waiting to retry). */
  private active = 0;
  /** Bumped by reset and shutdown: deliveries of an earlier generation stop and no longer count. */
  private generation = 0;
  private closed = false;

  constructor(@Inject(SIMULATOR_OPTIONS) private readonly options: SimulatorOptions) {
    this.settings = pickPushSettings(options);
  }

  /** Called as each record is appended. Queues its push, if pushing is on; never throws. */
  recorded(campaignId: string, record: SimulatedCallRecord): void {
    try {
      const { pushUrl, pushSecret, pushBatchMs } = this.settings;
      if (this.closed || !pushUrl) return;
      const target = { url: pushUrl, secret: pushSecret };
      if (pushBatchMs === 0) {
        this.send(campaignId, [recordView(record)], target);
        return;
      }
      let batch = this.batches.get(campaignId);
      if (!batch) {
        const timer = setTimeout(() => this.flush(campaignId), pushBatchMs);
        timer.unref();
        batch = { target, records: [], timer };
        this.batches.set(campaignId, batch);
      }
      batch.records.push(recordView(record));
      if (batch.records.length >= PUSH_MAX_BATCH_RECORDS) this.flush(campaignId);
    } catch (error) {
      this.logger.warn(`Push of a record of ${campaignId} not queued: ${describe(error)}`);
    }
  }

  view(): PushView {
    return {
      url: this.settings.pushUrl,
      batchMs: this.settings.pushBatchMs,
      ...this.counters,
      pending: this.batches.size + this.active,
    };
  }

  /** Sets the given settings, keeping the others; refuses the whole patch if any field is invalid or unknown. */
  update(patch: unknown): PushView {
    if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
      throw new SimulatorRefusal(RefusalCode.InvalidParameters, 'body must be a JSON object of push settings');
    }
    const fields = patch as Record<string, unknown>;
    const problems = Object.keys(fields).map((key) => {
      switch (key) {
        case 'url':
          return pushUrlProblem(fields.url, 'url');
        case 'secret':
          return pushSecretProblem(fields.secret, 'secret');
        case 'batchMs':
          return numericOptionProblem('pushBatchMs', fields.batchMs, 'batchMs');
        default:
          return `${key} is not a push setting (${PATCH_KEYS.join(', ')})`;
      }
    });
    const invalid = problems.filter((p): p is string => p !== null);
    if (invalid.length > 0) throw new SimulatorRefusal(RefusalCode.InvalidParameters, invalid.join('; '));
    const { url, secret, batchMs } = fields as PushSettingsPatch;
    this.settings = {
      pushUrl: url ?? this.settings.pushUrl,
      pushSecret: secret ?? this.settings.pushSecret,
      pushBatchMs: batchMs ?? this.settings.pushBatchMs,
    };
    return this.view();
  }

  /** Back to the start-up settings, with zeroed counters; pending pushes are dropped. */
  reset(): void {
    this.cancelEverything();
    this.settings = pickPushSettings(this.options);
    this.counters = zeroCounters();
  }

  onModuleDestroy(): void {
    this.closed = true;
    this.cancelEverything();
  }

  private flush(campaignId: string): void {
    const batch = this.batches.get(campaignId);
    if (!batch) return;
    clearTimeout(batch.timer);
    this.batches.delete(campaignId);
    this.send(campaignId, batch.records, batch.target);
  }

  private send(campaignId: string, records: WireRecord[], target: PushTarget): void {
    const generation = this.generation;
    this.active += 1;
    this.deliver(campaignId, records, target, generation)
      .catch((error: unknown) => this.logger.warn(`Push of ${campaignId} broke off: ${describe(error)}`))
      .finally(() => {
        if (generation === this.generation) this.active -= 1;
      });
  }

  private async deliver(
    campaignId: string,
    records: WireRecord[],
    target: PushTarget,
    generation: number,
  ): Promise<void> {
    const body = JSON.stringify({ campaign_id: campaignId, records });
    const what = `Push of ${records.length} record(s) of ${campaignId}`;
    for (let attempt = 1; ; attempt += 1) {
      this.counters.attempted += 1;
      const failure = await this.post(target, body);
      if (generation !== this.generation) return;
      if (failure === null) {
        this.counters.succeeded += 1;
        this.counters.recordsDelivered += records.length;
        return;
      }
      this.counters.failed += 1;
      const delay = PUSH_RETRY_DELAYS_MS[attempt - 1];
      const attempts = PUSH_RETRY_DELAYS_MS.length + 1;
      if (delay === undefined) {
        this.counters.gaveUp += 1;
        this.logger.warn(`${what} failed (attempt ${attempt}/${attempts}: ${failure}); giving up, polling catches up`);
        return;
      }
      this.logger.warn(`${what} failed (attempt ${attempt}/${attempts}: ${failure}); retrying in ${delay} ms`);
      await this.wait(delay);
      if (generation !== this.generation) return;
    }
  }

  /** One signed POST; null when answered 2xx, else why not. Never throws. */
  private async post(target: PushTarget, body: string): Promise<string | null> {
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new Error(`no answer within ${PUSH_TIMEOUT_MS} ms`)),
      PUSH_TIMEOUT_MS,
    );
    timer.unref();
    this.inFlight.add(controller);
    try {
      const timestamp = String(Math.floor((this.options.now?.() ?? new Date()).getTime() / 1000));
      const response = await fetch(target.url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          [PUSH_TIMESTAMP_HEADER]: timestamp,
          [PUSH_SIGNATURE_HEADER]: pushSignature(target.secret, timestamp, body),
        },
        body,
        // A signed callback is not re-sent elsewhere: a redirect is a failed attempt like any non-2xx.
        redirect: 'manual',
        signal: controller.signal,
      });
      // The answer's body is of no interest; discarding it frees the connection.
      await response.body?.cancel().catch(() => undefined);
      return response.status >= 200 && response.status < 300 ? null : `HTTP ${response.status}`;
    } catch (error) {
      return controller.signal.aborted ? describe(controller.signal.reason) : describe(error);
    } finally {
      clearTimeout(timer);
      this.inFlight.delete(controller);
    }
  }

  /** Resolves after `ms`, or at once when reset or shutdown cancels the wait. */
  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.retryWaits.delete(timer);
        resolve();
      }, ms);
      timer.unref();
      this.retryWaits.set(timer, resolve);
    });
  }

  private cancelEverything(): void {
    this.generation += 1;
    this.active = 0;
    for (const batch of this.batches.values()) clearTimeout(batch.timer);
    this.batches.clear();
    for (const [timer, resolve] of this.retryWaits) {
      clearTimeout(timer);
      resolve();
    }
    this.retryWaits.clear();
    for (const controller of this.inFlight) controller.abort(new Error('simulator push cancelled'));
    this.inFlight.clear();
  }
}

function pickPushSettings(options: SimulatorPushSettings): SimulatorPushSettings {
  const { pushUrl, pushSecret, pushBatchMs } = options;
  return { pushUrl, pushSecret, pushBatchMs };
}

function zeroCounters(): Omit<PushCounters, 'pending'> {
  return { attempted: 0, succeeded: 0, failed: 0, gaveUp: 0, recordsDelivered: 0 };
}

/**
 * A failure's reason without the URL (it may carry a token). fetch's "fetch failed" hides the cause's code,
 * so the code is added. Duck-typed: errors from another realm (jest's sandbox) are not `instanceof Error`.
 */
function describe(error: unknown): string {
  if (typeof error !== 'object' || error === null || typeof (error as Error).message !== 'string') return String(error);
  const { message, cause } = error as Error & { cause?: { code?: unknown } };
  return cause && typeof cause.code === 'string' ? `${message} (${cause.code})` : message;
}
