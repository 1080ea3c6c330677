import { Controller, Get, Inject, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckResult, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { Response } from 'express';
import {
  DependencyState,
  HEALTH_CHECK_TIMEOUT_MS,
  REPORTED_DEPENDENCIES,
  ReportedDependency,
} from './reported-dependency';

/**
 * Kubernetes-style probes, unauthenticated and outside the API's `/v1` prefix.
 *
 * - `live`: the process is up and its event loop answers. No dependency is checked, so a database outage
 *   never gets healthy processes restarted.
 * - `ready`: the database answers `SELECT 1`. Only the database: a replica that cannot reach the robot-call
 *   platform still serves reads, exports, callbacks and the platform's pushed results, and every replica would
 *   fail together during a platform outage, leaving the load balancer with none. The app's reported
 *   dependencies (the platform: `robotCall`) are shown beside it, under `info` and `details` as
 *   `{ status: up | down }`, never under `error`; the client's circuit breaker already fails calls fast.
 */
@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    @Inject(REPORTED_DEPENDENCIES) private readonly reported: readonly ReportedDependency[],
  ) {}

  @Get('live')
  @HealthCheck()
  @ApiOperation({ summary: 'Liveness: the process is up' })
  live(@Res({ passthrough: true }) response: Response): Promise<HealthCheckResult> {
    return answer(this.health.check([]), response);
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({
    summary: 'Readiness: the database answers (the robot-call platform’s reachability is reported, not required)',
  })
  async ready(@Res({ passthrough: true }) response: Response): Promise<HealthCheckResult> {
    const [result, ...states] = await Promise.all([
      answer(
        this.health.check([() => this.database.pingCheck('database', { timeout: HEALTH_CHECK_TIMEOUT_MS })]),
        response,
      ),
      ...this.reported.map((dependency) => dependency.check()),
    ]);
    return withReported(result, this.reported, states);
  }
}

/** The reported dependencies beside the checks, where they inform without deciding the answer. */
function withReported(
  result: HealthCheckResult,
  reported: readonly ReportedDependency[],
  states: DependencyState[],
): HealthCheckResult {
  const shown = Object.fromEntries(reported.map((dependency, i) => [dependency.name, states[i]]));
  return { ...result, info: { ...result.info, ...shown }, details: { ...result.details, ...shown } };
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
