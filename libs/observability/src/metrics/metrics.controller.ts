import { Controller, Get, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { PrometheusController } from '@willsoto/nestjs-prometheus';
import { Response } from 'express';

export const METRICS_PATH = 'metrics';

/**
 * `GET /metrics` (outside the API's `/v1` prefix), documented. The path is set here: PrometheusModule's
 * `registerAsync` applies its `path` option to its own controller, not to a custom one.
 */
@ApiTags('operations')
@Controller(METRICS_PATH)
export class MetricsController extends PrometheusController {
  @Get()
  @ApiOperation({ summary: 'Prometheus metrics (text exposition format); no authentication' })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'The metrics', schema: { type: 'string' } })
  override index(@Res({ passthrough: true }) response: Response): Promise<string> {
    return super.index(response);
  }
}
