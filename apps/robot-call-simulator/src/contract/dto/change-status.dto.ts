import { IsIn, IsNotEmpty, IsString } from 'class-validator';
import { CAMPAIGN_ACTIONS, CampaignAction } from '../../campaigns/campaign-status';

export class ChangeStatusDto {
  @IsString()
  @IsNotEmpty()
  campaign_id: string;

  @IsIn(CAMPAIGN_ACTIONS, { message: `action must be one of ${CAMPAIGN_ACTIONS.join(', ')}` })
  action: CampaignAction;
}
