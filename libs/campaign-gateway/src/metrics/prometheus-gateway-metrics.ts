import { Injectable } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { Counter, Histogram } from 'prom-client';
import { RobotCall } from '../wire/robot-call';
import { CampaignGatewayMetrics, GATEWAY_CALL_OUTCOMES, GatewayCallOutcome } from './campaign-gateway.metrics';
import { GATEWAY_METRIC as METRIC } from './gateway-metrics';

/** The gateway's metrics port, on Prometheus (the gateway module provides it; the app's `/metrics` exports it). */
@Injectable()
export class PrometheusCampaignGatewayMetrics extends CampaignGatewayMetrics {
  constructor(
    @InjectMetric(METRIC.gatewayCalls) private readonly calls: Counter<string>,
    @InjectMetric(METRIC.gatewayCallDuration) private readonly duration: Histogram<string>,
  ) {
    super();
    // Every series exists from the start at 0, so rate() and absence alerts work before the first failure.
    for (const call of Object.values(RobotCall)) {
      for (const outcome of GATEWAY_CALL_OUTCOMES) this.calls.inc({ call, outcome }, 0);
    }
  }

  observeCall(call: RobotCall, outcome: GatewayCallOutcome, durationSeconds: number): void {
    this.calls.inc({ call, outcome });
    this.duration.observe({ call, outcome }, durationSeconds);
  }
}
