import { ApiProperty } from '@nestjs/swagger';
import { BotState, FirmBotView } from '@app/firm-bot-quota';

/** A firm's BOT entitlement with its usage (mirrors FirmBotView of the firm-bot-quota lib). */
export class FirmBotResponse implements FirmBotView {
  @ApiProperty({ example: '1' })
  firmId: string;

  @ApiProperty({ example: true })
  isOpenBot: boolean;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'ISO 8601, UTC. Null: never granted',
    example: '2027-12-31T00:00:00.000Z',
  })
  botExpireAt: string | null;

  @ApiProperty({ description: 'Task quota', example: 10 })
  botTaskNum: number;

  @ApiProperty({ description: 'Tasks created against the quota', example: 3 })
  botTaskUsed: number;

  @ApiProperty({ example: 7 })
  botTaskRemaining: number;

  @ApiProperty({ enum: ['open', 'not_open', 'expired'], description: 'open: switched on and not expired' })
  state: BotState;
}
