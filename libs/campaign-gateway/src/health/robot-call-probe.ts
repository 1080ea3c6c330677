import { HttpModule, HttpService } from '@nestjs/axios';
import { Inject, Injectable, Module } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { Gauge } from 'prom-client';
import { makeGaugeProvider } from '@willsoto/nestjs-prometheus';
import { firstValueFrom } from 'rxjs';
import { campaignGatewayConfig } from '../campaign-gateway.config';
import { GATEWAY_METRIC } from '../metrics/gateway-metrics';

/** Probe checks must answer well inside a probe's own timeout (set the probe's timeout to 3 s or more). */
const PROBE_TIMEOUT_MS = 2000;

/** What the readiness answer and the `aiv_robot_call_reachable` gauge say about the platform. */
export interface RobotCallReachability {
  status: 'up' | 'down';
  /** Why it is down: the HTTP status (5xx) or the network error. */
  message?: string;
}

/**
 * Whether the robot-call platform answers: a plain `GET` of ROBOT_CALL_BASE_URL (no credentials, not one of the
 * contract's calls, so it costs the platform nothing and is not counted as a call) that gets any HTTP answer
 * below 500. A 401/404/405 is what a gateway answers a bare GET with and still proves DNS, TCP, TLS and the
 * gateway's HTTP stack; a network error, a timeout or a 5xx means calls would fail now. Its own axios instance:
 * the gateway client's carries the API key and retries. Reported by `/health/ready` as `robotCall` (the shape
 * of observability's ReportedDependency), never required by it.
 */
@Injectable()
export class RobotCallProbe {
  readonly name = 'robotCall';

  constructor(
    private readonly http: HttpService,
    @Inject(campaignGatewayConfig.KEY) private readonly config: ConfigType<typeof campaignGatewayConfig>,
  ) {}

  async check(): Promise<RobotCallReachability> {
    const timeout = Math.min(this.config.timeoutMs, PROBE_TIMEOUT_MS);
    try {
      const reply = await firstValueFrom(
        this.http.get(this.config.baseUrl, {
          timeout,
          signal: AbortSignal.timeout(timeout),
          maxRedirects: 0,
          validateStatus: () => true,
        }),
      );
      return reply.status < 500 ? { status: 'up' } : { status: 'down', message: `answered HTTP ${reply.status}` };
    } catch (error) {
      return { status: 'down', message: error instanceof Error ? error.message : String(error) };
    }
  }
}

/** The platform's probe and its gauge (`aiv_robot_call_reachable`, probed on each scrape), from `campaignGatewayConfig`. */
@Module({
  imports: [HttpModule.register({})],
  providers: [
    RobotCallProbe,
    makeGaugeProvider({
      name: GATEWAY_METRIC.robotCallReachable,
      help: 'Whether the robot-call platform answers a plain GET of its base URL below 500 (1) or not (0), probed on each scrape',
      inject: [RobotCallProbe],
      async collect(this: Gauge<string>, probe: RobotCallProbe) {
        this.set((await probe.check()).status === 'up' ? 1 : 0);
      },
    }),
  ],
  exports: [RobotCallProbe],
})
export class RobotCallProbeModule {}
