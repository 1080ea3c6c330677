import { Body, Controller, HttpCode, Post, UseGuards, UseInterceptors } from '@nestjs/common';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { CampaignStore } from '../campaigns/campaign-store.service';
import { Envelope, ok, RefusalCode, SimulatorRefusal } from '../envelope/envelope';
import { FaultInterceptor } from '../faults/fault.interceptor';
import { FaultInjector } from '../faults/fault-injector.service';
import { LostReplyInterceptor } from '../faults/lost-reply.interceptor';
import { RequestCounterInterceptor } from '../admin/request-counter.interceptor';
import { AddCampaignDto } from './dto/add-campaign.dto';
import { CampaignDetailDto, DEFAULT_PAGE_LIMIT } from './dto/campaign-detail.dto';
import { ChangeStatusDto } from './dto/change-status.dto';
import { addedView, detailView, statusView } from './wire-views';

/** The contract's three calls (libs/campaign-gateway/README.md), behind the API key and the fault injection. */
@Controller()
@UseGuards(ApiKeyGuard)
@UseInterceptors(RequestCounterInterceptor, FaultInterceptor)
export class RobotCallController {
  constructor(
    private readonly campaigns: CampaignStore,
    private readonly faults: FaultInjector,
  ) {}

  @Post('robot_call_campaign_add')
  @HttpCode(200)
  @UseInterceptors(LostReplyInterceptor)
  add(@Body() body: AddCampaignDto): Envelope {
    this.refuseIfInjected('add');
    const { campaign, created } = this.campaigns.add({
      requestId: body.request_id,
      name: body.name ?? '',
      scriptId: body.script_id,
      contacts: body.contacts.map((c) => ({ ref: c.ref, phone: c.phone, name: c.name ?? null })),
    });
    return ok(addedView(campaign, created));
  }

  @Post('robot_call_campaign_detail')
  @HttpCode(200)
  detail(@Body() body: CampaignDetailDto): Envelope {
    const campaign = this.campaigns.get(body.campaign_id);
    const offset = body.cursor ? Number(body.cursor) : 0;
    if (offset > campaign.records.length) {
      throw new SimulatorRefusal(RefusalCode.InvalidParameters, 'cursor must be a next_cursor returned earlier');
    }
    const view = detailView(campaign, offset, body.limit ?? DEFAULT_PAGE_LIMIT);
    // The stuck-cursor fault: more records exist, but the answer hands back the position it was asked for.
    if (view.has_more && this.faults.shouldStickCursor()) return ok({ ...view, next_cursor: body.cursor ?? null });
    return ok(view);
  }

  @Post('robot_call_campaign_change_status')
  @HttpCode(200)
  changeStatus(@Body() body: ChangeStatusDto): Envelope {
    const campaign = this.campaigns.get(body.campaign_id);
    if (body.action === 'start') this.refuseIfInjected('start');
    if (!campaign.apply(body.action)) {
      throw new SimulatorRefusal(
        RefusalCode.TransitionNotAllowed,
        `cannot ${body.action} campaign ${campaign.id} in status ${campaign.status}`,
      );
    }
    return ok(statusView(campaign));
  }

  /** The `refuseRate` fault: the platform will not take this campaign (nothing is done). */
  private refuseIfInjected(what: string): void {
    if (this.faults.shouldRefuse())
      throw new SimulatorRefusal(RefusalCode.RequestIdReused, `injected refusal of ${what}`);
  }
}
