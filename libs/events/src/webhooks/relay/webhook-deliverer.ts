import { Inject, Injectable, Logger } from '@nestjs/common';
import { performance } from 'perf_hooks';
import { In } from 'typeorm';
import { Clock, currentTraceparent, failpoint, inContinuedSpan, PhoneVault, setSpanAttributes } from '@app/core';
import { TransactionRunner } from '@app/database';
import { eventsConfig, EventsSettings } from '../../events.config';
import { EventEntity } from '../../entities/event.entity';
import { EventOutbox, eventIdOf } from '../../event-outbox';
import { EventRepository } from '../../event.repository';
import { BATCH_TYPE_PREFIX } from '../../event-batch-renderer';
import { toEventView } from '../../usecases/list-events.usecase';
import { EventView } from '../../domain/event';
import { WebhookEntity } from '../entities/webhook.entity';
import { DeliveryStatus, WebhookDeliveryEntity } from '../entities/webhook-delivery.entity';
import { DeliveryRepository } from '../delivery.repository';
import { WebhookRepository } from '../webhook.repository';
import { retryDelayMs } from '../domain/backoff';
import { UnsendableReason } from '../domain/unsendable';
import { DeliverySigner, deliverySigner } from '../domain/signature';
import { RelayMetrics } from '../metrics/webhook-metrics';
import { FullPhoneSource } from './full-phone-source';
import { WebhookSender } from './webhook-sender';

/**
 * A round claims up to CLAIM_HEADS (endpoint, task) heads (and deliveries of no task), each with up to CHAIN - 1 of
 * its task's next deliveries behind it (DeliveryRepository.claim), and sends CONCURRENCY chains at once, each chain's
 * POSTs one after the other. Chains make a round carry more than one event per task: with heads alone, 100 tasks
 * gave at most 100 deliveries a round, and the round's fixed cost (sequence, fan-out, claim, load, record) bounded
 * the rate (bench/README.md, delivery).
 */
const CLAIM_HEADS = 100;
const CHAIN = 10;
const CONCURRENCY = 10;
/** A claim's lease is WEBHOOK_TIMEOUT_MS and this much (database time); then another worker may take it over. */
const LEASE_MARGIN_SECONDS = 30;
/**
 * A POST starts only while the lease has WEBHOOK_TIMEOUT_MS and this much left: the time for the POST's deadline
 * to fire late on a busy event loop and for the round's outcomes to be recorded, all before the lease can lapse.
 * So a round starts POSTs for up to LEASE_MARGIN_SECONDS less this (25 s), whatever WEBHOOK_TIMEOUT_MS.
 */
const RECORD_MARGIN_SECONDS = 5;

export interface DeliverySummary {
  claimed: number;
  delivered: number;
  retried: number;
  failed: number;
  disabled: number;
  /**
   * POSTs made whose outcome could not be recorded (the round's transaction failed, or the lease was lost): those
   * events go again (at least once), so a receiver may count this many requests more than recorded attempts.
   */
  unrecorded: number;
  /**
   * Deliveries claimed and given back unsent: too little of the lease was left to start their POST (a slow
   * receiver), or their event was not positioned yet. The next claim takes them again.
   */
  released: number;
  /** Deliveries given up without an attempt because they can never be sent (UnsendableReason). */
  unsendable: number;
}

type Claimed = { delivery: WebhookDeliveryEntity; event: EventEntity; endpoint: WebhookEntity };
/** Claimed deliveries of one (endpoint, task) in sequence order, or one delivery of no task: sent in this order. */
type Chain = Claimed[];
/** How one delivery went: answered 2xx; failed (recorded: its chain stops); or not started (the lease ran short). */
type Sent = 'delivered' | 'failed' | 'late';

/** An endpoint's secret, and during a rotation's overlap the one it replaced with the overlap's end. */
type EndpointSecrets = { current: string; previous: { secret: string; until: Date } | null };
/** An endpoint's signers: with its current secret, and with both while a rotation's overlap lasts. */
type EndpointSigning = { current: DeliverySigner; both: DeliverySigner | null; until: Date | null };

/** What one round's lanes did, recorded when they are all done. */
interface Round {
  /** Endpoints that answered 2xx in this wave, with the last time (recorded with the wave). */
  succeeded: Map<string, Date>;
  /** Endpoints that answered 2xx in this round. */
  answered: Set<string>;
  /** Deliveries made in this wave (recorded with it). */
  delivered: { delivery: WebhookDeliveryEntity; attemptedAt: Date; at: Date; status: number; createdAt: Date }[];
  /** Endpoints' secrets opened and their signing keys made this round (once per endpoint, not per delivery). */
  secrets: Map<string, EndpointSigning>;
  /** Deliveries POSTed this round (whatever the answer). */
  sent: Set<string>;
  /** The last moment (`performance.now()`) a POST may start: the lease then has WEBHOOK_TIMEOUT_MS + RECORD_MARGIN_SECONDS left. */
  postBy: number;
}

/**
 * Claims due deliveries (DeliveryRepository.claim: leases, per-task order per endpoint), POSTs each signed event
 * and records what happened: delivered; or retried with backoff until WEBHOOK_RETRY_HOURS after its first
 * attempt, then failed; the endpoint's health beside it, and the endpoint disabled (with a `webhook.disabled`
 * event) once it has failed without a success for WEBHOOK_DISABLE_AFTER_HOURS. A worker killed between the POST
 * and the mark leaves the lease to expire and the delivery is sent again: delivery is at least once.
 *
 * A claim's lease covers its whole round, its waves each recorded as they end: so a POST starts only while the
 * lease has time for it and for its wave's record (Round.postBy). Against a slow receiver the round stops
 * starting POSTs in time and gives the rest back; without that, the lease lapsed mid-round, another worker
 * claimed the same deliveries and sent them again, and a task's event could reach the receiver after its next one.
 */
@Injectable()
export class WebhookDeliverer {
  private readonly logger = new Logger('WebhookRelay');

  constructor(
    private readonly tx: TransactionRunner,
    private readonly deliveries: DeliveryRepository,
    private readonly webhooks: WebhookRepository,
    private readonly outbox: EventOutbox,
    private readonly events: EventRepository,
    private readonly sender: WebhookSender,
    private readonly vault: PhoneVault,
    private readonly phones: FullPhoneSource,
    private readonly metrics: RelayMetrics,
    private readonly clock: Clock,
    @Inject(eventsConfig.KEY) private readonly settings: EventsSettings,
  ) {}

  async deliverDue(owner: string): Promise<DeliverySummary> {
    const leaseSeconds = Math.ceil(this.settings.webhookTimeoutMs / 1000) + LEASE_MARGIN_SECONDS;
    // The lease runs leaseSeconds of database time from the claim's UPDATE, which comes after this mark: on this
    // process's monotonic clock it lasts at least until leaseFrom + leaseSeconds, whatever the skew between this
    // host's clock and the database's (and a test's shifted Clock).
    const leaseFrom = performance.now();
    const ids = await this.tx.run((manager) =>
      this.deliveries.claim(manager, owner, { heads: CLAIM_HEADS, chain: CHAIN }, this.clock.now(), leaseSeconds),
    );
    const summary: DeliverySummary = {
      claimed: ids.length,
      delivered: 0,
      retried: 0,
      failed: 0,
      disabled: 0,
      unrecorded: 0,
      released: 0,
      unsendable: 0,
    };
    if (ids.length === 0) return summary;
    failpoint('relay.after-claim');
    const { chains, unsendable, unpositioned } = await this.load(ids);
    if (unsendable.size > 0) summary.unsendable = await this.giveUp(owner, unsendable);
    // What went through is recorded once per wave, in one transaction: the deliveries (a commit each had been most
    // of the relay's database time) and each endpoint's health (every delivery updating the endpoint's row had the
    // lanes queue on it). A wave sends the next delivery of every chain still going, CONCURRENCY at a time; a
    // chain's next delivery is sent only once the one before it is recorded, so a crash (or a record that fails)
    // leaves at most one event of a task sent and not recorded: sent again after its lease expires, at least once,
    // and never after the task's next one.
    const postBy = leaseFrom + (leaseSeconds - RECORD_MARGIN_SECONDS) * 1000 - this.settings.webhookTimeoutMs;
    const round: Round = {
      succeeded: new Map(),
      answered: new Set(),
      delivered: [],
      secrets: new Map(),
      sent: new Set(),
      postBy,
    };
    const unsent: string[] = [];
    const giveBack = (chain: Chain, from: number) =>
      unsent.push(...chain.slice(from).map((c) => String(c.delivery.id)));
    let going = chains.map((chain) => ({ chain, at: 0 }));
    let stop = false;
    // Nothing to send: only the deliveries whose event is not positioned yet, given back.
    if (going.length === 0) await this.recordWave(owner, round, unpositioned, summary);
    while (going.length > 0 && !stop) {
      const outcomes = new Map<(typeof going)[number], Sent>();
      let next = 0;
      const wave = going;
      const lanes = Array.from({ length: Math.min(CONCURRENCY, wave.length) }, async () => {
        while (next < wave.length && !stop) {
          const step = wave[next++];
          const item = step.chain[step.at];
          try {
            // tracing (issue 23, item 5): each delivery a span continuing its event's trace (its POST's `traceparent`)
            const sent = await inContinuedSpan('webhook.deliver', item.event.traceparent, traced(item), () =>
              this.deliver(owner, item, summary, round),
            );
            outcomes.set(step, sent);
            // The lease runs short: no POST starts any more this round.
            if (sent === 'late') stop = true;
          } catch (error) {
            // The lease expires and the delivery is tried again; nothing else is lost. Its chain stops: the task's
            // later events must not overtake it.
            outcomes.set(step, 'failed');
            if (round.sent.has(String(item.delivery.id))) summary.unrecorded++;
            this.logger.error(
              `delivery ${item.delivery.id} could not be recorded: ${error instanceof Error ? error.message : String(error)}`,
            );
          }
        }
      });
      await Promise.all(lanes);
      going = [];
      for (const step of wave) {
        const sent = outcomes.get(step);
        // Not reached (the round stopped) or not started (late): given back from this delivery on.
        if (sent === undefined || sent === 'late') giveBack(step.chain, step.at);
        // Failed (recorded, retried later): the rest of the chain waits for it, given back.
        else if (sent === 'failed') giveBack(step.chain, step.at + 1);
        else if (step.at + 1 < step.chain.length) going.push({ chain: step.chain, at: step.at + 1 });
      }
      if (stop) for (const step of going.splice(0)) giveBack(step.chain, step.at);
      // The last wave's record gives back what was not sent, in the same transaction.
      const last = going.length === 0;
      const recorded = await this.recordWave(owner, round, last ? [...unsent, ...unpositioned] : [], summary);
      // Not recorded: the chains must not go on past what was sent and not recorded; given back (or left to their
      // leases if that fails too).
      if (!recorded && !last) {
        for (const step of going.splice(0)) giveBack(step.chain, step.at);
        await this.recordWave(owner, round, [...unsent, ...unpositioned], summary);
      }
    }
    return summary;
  }

  /**
   * A wave's deliveries made, the endpoints that answered and the deliveries given back unsent, in one
   * transaction; then the metrics. Whether every delivery made was recorded by this worker (false: the chains
   * must stop).
   */
  private async recordWave(
    owner: string,
    round: Round,
    unsent: readonly string[],
    summary: DeliverySummary,
  ): Promise<boolean> {
    const made = round.delivered.splice(0);
    const succeeded = [...round.succeeded].sort(([a], [b]) => Number(a) - Number(b));
    round.succeeded.clear();
    if (made.length === 0 && succeeded.length === 0 && unsent.length === 0) return true;
    try {
      const lost = await this.tx.run(async (manager) => {
        const recorded = await this.deliveries.markDelivered(
          manager,
          made.map((d) => ({
            id: d.delivery.id,
            attemptedAt: d.attemptedAt,
            at: d.at,
            httpStatus: d.status,
          })),
        );
        for (const [id, at] of succeeded) await this.webhooks.recordSuccess(manager, id, at);
        await this.deliveries.release(manager, unsent, owner);
        return made.length - recorded;
      });
      // Delivered meanwhile by another worker (this one's lease had expired): sent twice, recorded once.
      summary.unrecorded += lost;
      for (const d of made)
        this.metrics.attempted('delivered', (d.at.getTime() - new Date(d.createdAt).getTime()) / 1000);
      summary.delivered += made.length;
      summary.released += unsent.length;
      return lost === 0;
    } catch (error) {
      summary.unrecorded += made.length;
      this.logger.error(
        `${made.length} deliveries could not be recorded; they go again: ${error instanceof Error ? error.message : String(error)}`,
      );
      return false;
    }
  }

  /** Gives up the claimed deliveries that can never be sent, in one transaction; how many. */
  private async giveUp(owner: string, unsendable: ReadonlyMap<UnsendableReason, string[]>): Promise<number> {
    const given = await this.tx.run(async (manager) => {
      const counts = new Map<UnsendableReason, number>();
      for (const [reason, ids] of unsendable)
        counts.set(reason, await this.deliveries.giveUp(manager, ids, reason, owner));
      return counts;
    });
    let total = 0;
    for (const [reason, n] of given) {
      this.metrics.unsendable(reason, n);
      total += n;
    }
    return total;
  }

  /**
   * The claimed deliveries with their events and endpoints. A delivery whose endpoint was deleted meanwhile went
   * with it. One that can never be sent (its event gone, or a batch row: UnsendableReason) is to be given up; one
   * whose event has no feed position yet (a delivery made before redelivery took positioned events only) is
   * given back, and the rest of its chain with it: the body carries the position, and the sequencer gives it one
   * in a later round. The others in chains: a task's claimed deliveries to an endpoint in sequence order, or one
   * delivery of no task alone.
   */
  private async load(
    ids: readonly string[],
  ): Promise<{ chains: Chain[]; unsendable: Map<UnsendableReason, string[]>; unpositioned: string[] }> {
    const manager = this.tx.autocommit;
    const deliveries = await this.deliveries.find(manager, ids);
    const events = await this.events.findByIds(
      manager,
      deliveries.map((d) => d.eventPk),
    );
    const endpoints = await manager
      .getRepository(WebhookEntity)
      .find({ where: { id: In([...new Set(deliveries.map((d) => d.webhookId))]) } });
    const eventById = new Map(events.map((e) => [String(e.id), e]));
    const endpointById = new Map(endpoints.map((w) => [String(w.id), w]));
    const chains: Chain[] = [];
    const chainOf = new Map<string, Chain>();
    /** The (endpoint, task) pairs whose chain stopped at a delivery given back: the later ones go back too. */
    const heldBack = new Set<string>();
    const unsendable = new Map<UnsendableReason, string[]>();
    const unpositioned: string[] = [];
    const giveUp = (reason: UnsendableReason, id: string) =>
      (unsendable.get(reason) ?? unsendable.set(reason, []).get(reason)!).push(id);
    const inOrder = [...deliveries].sort(
      (a, b) => Number(a.sequence ?? 0) - Number(b.sequence ?? 0) || Number(a.id) - Number(b.id),
    );
    for (const delivery of inOrder) {
      const event = eventById.get(String(delivery.eventPk));
      const endpoint = endpointById.get(String(delivery.webhookId));
      const key = delivery.taskId === null ? null : `${delivery.webhookId}:${delivery.taskId}`;
      if (!endpoint) continue;
      // Given up, it holds no later event of its task (as in the claim), so the chain goes on past it.
      if (!event) giveUp('event_gone', String(delivery.id));
      else if (event.type.startsWith(BATCH_TYPE_PREFIX)) giveUp('unrendered', String(delivery.id));
      else if (event.position === null || (key !== null && heldBack.has(key))) {
        unpositioned.push(String(delivery.id));
        if (key !== null) heldBack.add(key);
      } else if (key === null) chains.push([{ delivery, event, endpoint }]);
      else {
        const chain = chainOf.get(key);
        if (chain) chain.push({ delivery, event, endpoint });
        else {
          const started: Chain = [{ delivery, event, endpoint }];
          chainOf.set(key, started);
          chains.push(started);
        }
      }
    }
    return { chains, unsendable, unpositioned };
  }

  /**
   * One delivery: POSTed and its outcome noted (a failure recorded at once); 'late', and nothing sent, when the
   * lease has too little left to start the POST (Round.postBy): the lane stops and the delivery is given back.
   */
  private async deliver(
    owner: string,
    { delivery, event, endpoint }: Claimed,
    summary: DeliverySummary,
    round: Round,
  ): Promise<Sent> {
    const { succeeded } = round;
    const body = JSON.stringify(await this.payload(event, Number(endpoint.fullPhones) === 1));
    let signing = round.secrets.get(String(endpoint.id));
    if (signing === undefined) round.secrets.set(String(endpoint.id), (signing = this.signingOf(endpoint)));
    if (performance.now() > round.postBy) return 'late';
    const attemptedAt = this.clock.now();
    // During a rotation's overlap, signed with both: a receiver holding either secret verifies (the new one first).
    const sign = signing.both && signing.until! > attemptedAt ? signing.both : signing.current;
    const outcome = await this.sender.post(
      endpoint.url,
      body,
      this.headersOf(sign, eventIdOf(event.id), attemptedAt, body),
    );
    // tracing (issue 23, item 5): the POST is this delivery's span (no client span of its own): its answer on it
    setSpanAttributes({
      'http.response.status_code': outcome.status ?? undefined,
      'error.type': outcome.error ?? undefined,
    });
    round.sent.add(String(delivery.id));
    failpoint('relay.after-post');
    const now = this.clock.now();
    if (outcome.ok) {
      round.delivered.push({ delivery, attemptedAt, at: now, status: outcome.status!, createdAt: event.createdAt });
      const last = succeeded.get(String(endpoint.id));
      if (!last || last < now) succeeded.set(String(endpoint.id), now);
      round.answered.add(String(endpoint.id));
      return 'delivered';
    }
    const firstAttemptAt = delivery.firstAttemptAt ? new Date(delivery.firstAttemptAt) : attemptedAt;
    const giveUp = now.getTime() - firstAttemptAt.getTime() >= this.settings.webhookRetryHours * 3_600_000;
    const error = outcome.error ?? 'failed';
    const { disabled, lost } = await this.tx.run(async (manager) => {
      const recorded = await this.deliveries.markFailed(manager, String(delivery.id), owner, {
        status: giveUp ? DeliveryStatus.Failed : DeliveryStatus.Pending,
        firstAttemptAt,
        nextAttemptAt: new Date(now.getTime() + retryDelayMs(delivery.attempts + 1, this.settings.webhookRetryBaseMs)),
        lastStatus: outcome.status,
        lastError: error,
      });
      // Not recorded: the lease was lost meanwhile (another worker has the delivery).
      if (!recorded) return { disabled: false, lost: true };
      await this.webhooks.recordFailure(manager, String(endpoint.id), now, error);
      // A success in this round (recorded with its wave) means the endpoint is not failing throughout.
      if (round.answered.has(String(endpoint.id))) return { disabled: false, lost: false };
      return { disabled: await this.disableIfFailingTooLong(manager, endpoint, now), lost: false };
    });
    if (lost) summary.unrecorded++;
    if (giveUp) summary.failed++;
    else summary.retried++;
    this.metrics.attempted(giveUp ? 'failed' : 'retried');
    if (disabled) {
      summary.disabled++;
      this.metrics.endpointDisabled();
      this.logger.warn(
        `webhook ${endpoint.id} disabled: failing for ${this.settings.webhookDisableAfterHours} h (last error: ${error})`,
      );
    }
    return 'failed';
  }

  /**
   * The headers of one delivery's POST (besides the sender's own, WebhookSender's requestHeaders): its ids and
   * signatures, and its trace context when tracing is on. The one place a per-delivery header is added.
   */
  private headersOf(sign: DeliverySigner, eventId: string, attemptedAt: Date, body: string): Record<string, string> {
    const headers = sign(eventId, Math.floor(attemptedAt.getTime() / 1000), body);
    // Tracing on: the delivery's span as the W3C `traceparent` (docs/webhooks.md), not signed. Sent by the POST
    // itself, the HTTP instrumentation makes no client span for it (tracing-sdk.ts, carriesTraceContext).
    const traceparent = currentTraceparent();
    return traceparent === null ? headers : { ...headers, traceparent };
  }

  /** The endpoint's signers, its secrets opened once a round. */
  private signingOf(endpoint: WebhookEntity): EndpointSigning {
    const secrets = this.openSecrets(endpoint);
    return {
      current: deliverySigner([secrets.current]),
      both: secrets.previous ? deliverySigner([secrets.current, secrets.previous.secret]) : null,
      until: secrets.previous?.until ?? null,
    };
  }

  /** The endpoint's secret opened, and the previous one while its overlap lasts (an expired one is not opened). */
  private openSecrets(endpoint: WebhookEntity): EndpointSecrets {
    const current = this.vault.open({ enc: endpoint.secretEnc, keyId: endpoint.secretKeyId });
    const until = endpoint.previousSecretExpiresAt ? new Date(endpoint.previousSecretExpiresAt) : null;
    if (
      until === null ||
      until <= this.clock.now() ||
      endpoint.previousSecretEnc === null ||
      endpoint.previousSecretKeyId === null
    )
      return { current, previous: null };
    return {
      current,
      previous: {
        secret: this.vault.open({ enc: endpoint.previousSecretEnc, keyId: endpoint.previousSecretKeyId }),
        until,
      },
    };
  }

  /** Disables the endpoint after WEBHOOK_DISABLE_AFTER_HOURS of failures without a success, and writes `webhook.disabled`, in the same transaction. */
  private async disableIfFailingTooLong(
    manager: Parameters<WebhookRepository['recordFailure']>[0],
    endpoint: WebhookEntity,
    now: Date,
  ): Promise<boolean> {
    const hours = this.settings.webhookDisableAfterHours;
    const reason = `failing for ${hours} h without a success`;
    const threshold = new Date(now.getTime() - hours * 3_600_000);
    if (!(await this.webhooks.disableIfFailingSince(manager, String(endpoint.id), threshold, reason, now)))
      return false;
    const current = await this.webhooks.find(manager, String(endpoint.id));
    await this.outbox.append(manager, [
      {
        type: 'webhook.disabled',
        firmId: endpoint.firmId === null ? null : String(endpoint.firmId),
        data: {
          webhookId: String(endpoint.id),
          url: endpoint.url,
          reason,
          failingSince: current?.failingSince ? new Date(current.failingSince).toISOString() : null,
          lastError: current?.lastError ?? null,
        },
      },
    ]);
    return true;
  }

  /** The event as the feed shows it; for a full-number endpoint, the contact's number opened. */
  private async payload(event: EventEntity, fullPhones: boolean): Promise<EventView> {
    const view = toEventView(event);
    const contactId = view.data.contactId;
    if (!fullPhones || typeof contactId !== 'string' || view.firmId === null || !('phone' in view.data)) return view;
    const phone = await this.phones.fullPhone(view.firmId, contactId);
    return phone === null ? view : { ...view, data: { ...view.data, phone } };
  }
}

/** tracing (issue 23, item 5): a delivery span's attributes. */
function traced({ delivery, event, endpoint }: Claimed): Record<string, string> {
  return {
    'event.id': eventIdOf(event.id),
    'event.type': event.type,
    'webhook.id': String(endpoint.id),
    'delivery.id': String(delivery.id),
  };
}
