import { IsInt, IsNotEmpty, IsOptional, IsString, Matches, Max, Min } from 'class-validator';

export const DEFAULT_PAGE_LIMIT = 500;
export const MAX_PAGE_LIMIT = 1000;

export class CampaignDetailDto {
  @IsString()
  @IsNotEmpty()
  campaign_id: string;

  /** The simulator's cursors are record offsets; the contract calls them opaque. */
  @IsOptional()
  @IsString()
  @Matches(/^\d{1,9}$/, { message: 'cursor must be a next_cursor returned earlier' })
  cursor?: string | null;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_LIMIT)
  limit?: number;
}
