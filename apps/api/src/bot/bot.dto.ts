import { IsBoolean, IsDateString, IsInt, Max, Min, ValidateIf } from 'class-validator';

export class GrantBotDto {
  @IsBoolean()
  isOpenBot: boolean;

  /** ISO 8601 with a zone, or null for "never granted". */
  @ValidateIf((_, value) => value !== null)
  @IsDateString({ strict: true }, { message: 'botExpireAt must be an ISO 8601 date-time or null' })
  botExpireAt: string | null;

  @IsInt()
  @Min(0)
  @Max(1_000_000)
  botTaskNum: number;
}
