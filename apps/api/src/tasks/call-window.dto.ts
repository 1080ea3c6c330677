import { ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsInt, IsOptional, IsString, Matches } from 'class-validator';

/** A task's call window; every field optional, defaulting to 09:00–20:00 Asia/Shanghai, Monday–Sunday. */
export class CallWindowDto {
  @ApiPropertyOptional({
    description: 'Daily start, local time, inclusive',
    example: '09:00',
    pattern: '^([01]\\d|2[0-3]):[0-5]\\d$',
  })
  @IsOptional()
  @Matches(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'callWindow.start must be HH:MM' })
  start?: string;

  @ApiPropertyOptional({ description: "Daily end, local time, exclusive ('24:00' for midnight)", example: '20:00' })
  @IsOptional()
  @Matches(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, { message: 'callWindow.end must be HH:MM or 24:00' })
  end?: string;

  @ApiPropertyOptional({ description: 'ISO weekdays, 1 Monday … 7 Sunday', example: [1, 2, 3, 4, 5], type: [Number] })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(7)
  @IsInt({ each: true })
  @IsIn([1, 2, 3, 4, 5, 6, 7], { each: true })
  days?: number[];

  @ApiPropertyOptional({ description: 'IANA time zone', example: 'Asia/Shanghai' })
  @IsOptional()
  @IsString()
  timeZone?: string;
}
