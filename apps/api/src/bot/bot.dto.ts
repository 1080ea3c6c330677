import { ApiProperty } from '@nestjs/swagger';
import { IsBoolean, IsDateString, IsInt, Max, Min, ValidateIf } from 'class-validator';

export class GrantBotDto {
  @ApiProperty({ description: 'The BOT switch', example: true })
  @IsBoolean()
  isOpenBot: boolean;

  /** ISO 8601 with a zone, or null for "never granted". */
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'ISO 8601 with a zone, or null for "never granted"',
    example: '2027-12-31T00:00:00Z',
  })
  @ValidateIf((_, value) => value !== null)
  @IsDateString({ strict: true }, { message: 'botExpireAt must be an ISO 8601 date-time or null' })
  botExpireAt: string | null;

  @ApiProperty({ description: 'Task quota', minimum: 0, maximum: 1_000_000, example: 10 })
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  botTaskNum: number;
}
