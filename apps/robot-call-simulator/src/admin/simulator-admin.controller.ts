import { Body, Controller, Get, HttpCode, Param, Post, Put, UseGuards } from '@nestjs/common';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { CampaignStore } from '../campaigns/campaign-store.service';
import { Envelope, ok } from '../envelope/envelope';
import { FaultInjector } from '../faults/fault-injector.service';
import { CallResultPusher } from '../push/call-result-pusher.service';
import { campaignGroundTruth, campaignSummary } from './ground-truth';
import { RequestCounter } from './request-counter.service';

/** Ground truth and fault control for tests and benchmarks; never subject to fault injection. */
@Controller('_simulator')
@UseGuards(ApiKeyGuard)
export class SimulatorAdminController {
  constructor(
    private readonly campaigns: CampaignStore,
    private readonly faults: FaultInjector,
    private readonly requests: RequestCounter,
    private readonly pusher: CallResultPusher,
  ) {}

  @Get('campaigns')
  list(): Envelope {
    return ok(this.campaigns.list().map(campaignSummary));
  }

  @Get('campaigns/:id')
  one(@Param('id') id: string): Envelope {
    return ok(campaignGroundTruth(this.campaigns.get(id)));
  }

  @Get('faults')
  readFaults(): Envelope {
    return ok(this.faults.current());
  }

  /** Partial update: faults left out of the body keep their value. */
  @Put('faults')
  changeFaults(@Body() body: unknown): Envelope {
    return ok(this.faults.update(body));
  }

  /** The push settings (the secret is write-only) and the push counters. */
  @Get('push')
  readPush(): Envelope {
    return ok(this.pusher.view());
  }

  /** Partial update of `{ url, secret, batchMs }`: settings left out of the body keep their value. */
  @Put('push')
  changePush(@Body() body: unknown): Envelope {
    return ok(this.pusher.update(body));
  }

  @Get('requests')
  requestCounts(): Envelope {
    return ok(this.requests.snapshot());
  }

  /**
   * Forgets all campaigns, zeroes the request and push counts, drops pending pushes and restores the
   * start-up faults and push settings.
   */
  @Post('reset')
  @HttpCode(200)
  reset(): Envelope {
    this.campaigns.reset();
    this.requests.reset();
    this.faults.reset();
    this.pusher.reset();
    return ok({ reset: true });
  }
}
