import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { eventsConfig, EventsSettings, RelayRoundSummary, RunRelayRound } from '@app/events';
import { observabilityConfig } from '@app/observability';

/**
 * Runs the events relay (RunRelayRound: sequence, fan out, deliver) in a loop: the next round EVENTS_RELAY_INTERVAL_MS
 * after the last one ended, or at once when the last one found work (a backlog drains without waiting). A loop,
 * not a cron: rounds never overlap in a process, and the interval is sub-second. Started when the app has booted;
 * on shutdown no new round starts and the round in flight gets up to SHUTDOWN_TIMEOUT_MS (its POSTs are bounded
 * by WEBHOOK_TIMEOUT_MS; a round cut off loses nothing: its leases expire and another worker retries).
 */
@Injectable()
export class EventsRelayLoop implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('EventsRelay');
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | null = null;
  private stopping = false;

  constructor(
    private readonly round: RunRelayRound,
    @Inject(eventsConfig.KEY) private readonly settings: EventsSettings,
    @Inject(observabilityConfig.KEY) private readonly operations: ConfigType<typeof observabilityConfig>,
  ) {}

  onApplicationBootstrap(): void {
    this.logger.log(`events relay started: every ${this.settings.relayIntervalMs} ms`);
    this.schedule(0);
  }

  private schedule(delayMs: number): void {
    if (this.stopping) return;
    this.timer = setTimeout(() => {
      this.inFlight = this.tick().finally(() => (this.inFlight = null));
    }, delayMs);
  }

  private async tick(): Promise<void> {
    let busy = false;
    try {
      const summary = await this.round.execute();
      busy = worked(summary);
      if (busy) this.logger.debug({ msg: 'relay round', ...summary });
    } catch (error) {
      this.logger.error(`relay round failed: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      this.schedule(busy ? 0 : this.settings.relayIntervalMs);
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    if (!this.inFlight) return;
    const timeoutMs = this.operations.shutdownTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const finished = await Promise.race([
      this.inFlight.then(() => true),
      new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
    ]);
    clearTimeout(timer);
    if (!finished)
      this.logger.warn(
        `relay round still running after SHUTDOWN_TIMEOUT_MS=${timeoutMs}; closing anyway (its leases expire, another worker retries)`,
      );
  }
}

function worked(summary: RelayRoundSummary): boolean {
  return summary.sequenced > 0 || summary.fannedOut > 0 || summary.claimed > 0;
}
