import { ApiProperty } from '@nestjs/swagger';
import { IsBoolean, IsInt, Max, Min, ValidateIf } from 'class-validator';
import { IsZonedDateTime } from '../http/zoned-date-time';

export class GrantBotDto {
  @ApiProperty({ description: 'The BOT switch', example: true })
  @IsBoolean()
  isOpenBot: boolean;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description:
      'When the entitlement ends: an ISO 8601 date-time with its zone (`Z` or `±HH:MM`, e.g. `2027-12-31T08:00:00+08:00`), ' +
      'stored and answered in UTC. A date-time without a zone, or a date alone, is refused (400 `VALIDATION_FAILED`). ' +
      'Null: never granted.',
    example: '2027-12-31T00:00:00Z',
  })
  @ValidateIf((_, value) => value !== null)
  @IsZonedDateTime({ message: 'botExpireAt must be an ISO 8601 date-time with a zone (Z or ±HH:MM), or null' })
  botExpireAt: string | null;

  @ApiProperty({ description: 'Task quota', minimum: 0, maximum: 1_000_000, example: 10 })
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  botTaskNum: number;
}
