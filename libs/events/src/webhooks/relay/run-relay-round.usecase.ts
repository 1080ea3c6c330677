import { Injectable } from '@nestjs/common';
import { randomBytes } from 'crypto';
import { hostname } from 'os';
import { EventSequencer } from '../../event-sequencer';
import { WebhookFanout } from './webhook-fanout';
import { DeliverySummary, WebhookDeliverer } from './webhook-deliverer';

/** What one relay round did. */
export interface RelayRoundSummary extends DeliverySummary {
  /** Events given their feed position. */
  sequenced: number;
  /** Events turned into deliveries, and the deliveries created. */
  fannedOut: number;
  deliveriesCreated: number;
}

/**
 * One round of the relay, as the worker's loop runs it every EVENTS_RELAY_INTERVAL_MS: position the committed
 * events (EventSequencer), fan them out to the endpoints that receive them (WebhookFanout), then claim and make
 * the due deliveries (WebhookDeliverer). Each step is its own short transaction, safe to run in several workers
 * at once; a round does one batch of each, and the loop runs the next one at once when a batch was full.
 */
@Injectable()
export class RunRelayRound {
  /** The lease owner of this process's claims: host, pid and a nonce (a restarted process never reuses one), plus a claim counter. */
  private readonly processId = `${hostname().slice(0, 32)}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private claims = 0;

  constructor(
    private readonly sequencer: EventSequencer,
    private readonly fanout: WebhookFanout,
    private readonly deliverer: WebhookDeliverer,
  ) {}

  async execute(): Promise<RelayRoundSummary> {
    const sequenced = await this.sequencer.sequence();
    const fanned = await this.fanout.fanOut();
    const delivered = await this.deliverer.deliverDue(`${this.processId}:${++this.claims}`);
    return { sequenced, fannedOut: fanned.events, deliveriesCreated: fanned.deliveries, ...delivered };
  }
}
