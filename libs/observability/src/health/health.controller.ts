import { HttpService } from '@nestjs/axios';
import { Controller, Get, Inject, Res, ServiceUnavailableException } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckResult, HealthCheckService, HttpHealthIndicator, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { Response } from 'express';
import { campaignGatewayConfig } from '@app/campaign-gateway';

/** Probe checks must answer well inside a probe's own timeout (set the probe's timeout to 3 s or more). */
export const HEALTH_CHECK_TIMEOUT_MS = 2000;

/**
 * Kubernetes-style probes, unauthenticated and outside the API's `/v1` prefix.
 *
 * - `live`: the process is up and its event loop answers. No dependency is checked, so a database outage
 *   never gets healthy processes restarted.
 * - `ready`: the database answers `SELECT 1`, and the robot-call platform is reachable: a plain `GET` of
 *   ROBOT_CALL_BASE_URL (no credentials, not one of the contract's calls, so it costs the platform nothing
 *   and is not counted as a call) that gets any HTTP answer below 500. A 401/404/405 is what a gateway
 *   answers a bare GET with and still proves DNS, TCP, TLS and the gateway's HTTP stack; a network error,
 *   a timeout or a 5xx means calls would fail now.
 */
@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly httpIndicator: HttpHealthIndicator,
    private readonly http: HttpService,
    @Inject(campaignGatewayConfig.KEY) private readonly robotCall: ConfigType<typeof campaignGatewayConfig>,
  ) {}

  @Get('live')
  @HealthCheck()
  @ApiOperation({ summary: 'Liveness: the process is up' })
  live(@Res({ passthrough: true }) response: Response): Promise<HealthCheckResult> {
    return answer(this.health.check([]), response);
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({ summary: 'Readiness: the database answers and the robot-call platform is reachable' })
  ready(@Res({ passthrough: true }) response: Response): Promise<HealthCheckResult> {
    const baseUrl = this.robotCall.baseUrl;
    const timeout = Math.min(this.robotCall.timeoutMs, HEALTH_CHECK_TIMEOUT_MS);
    const checks = this.health.check([
      () => this.database.pingCheck('database', { timeout: HEALTH_CHECK_TIMEOUT_MS }),
      () =>
        this.httpIndicator.responseCheck('robotCall', baseUrl, (reply) => reply.status < 500, {
          // Its own axios instance: the gateway client's carries the API key and retries.
          httpClient: this.http,
          timeout,
          maxRedirects: 0,
        }),
    ]);
    return answer(checks, response);
  }
}

/**
 * A failing check answers 503 with terminus's own body (`status`, `info`, `error`, `details`), set here so
 * that an app's catch-all exception filter (the API's maps every error to `{ code, message }`) cannot
 * replace it.
 */
async function answer(check: Promise<HealthCheckResult>, response: Response): Promise<HealthCheckResult> {
  try {
    return await check;
  } catch (error) {
    if (!(error instanceof ServiceUnavailableException)) throw error;
    response.status(503);
    return error.getResponse() as HealthCheckResult;
  }
}
