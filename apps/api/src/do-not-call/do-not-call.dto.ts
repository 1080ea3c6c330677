import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsOptional, IsString, Matches, MaxLength } from 'class-validator';

export class DoNotCallChangeDto {
  @ApiProperty({
    description: 'Numbers (any usual format; no country code means China). Never put numbers in URLs.',
    example: ['13800138000'],
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(10_000)
  @IsString({ each: true })
  @MaxLength(32, { each: true })
  phones: string[];

  @ApiPropertyOptional({ description: 'Why (adding only): e.g. opted_out, requested', example: 'opted_out' })
  @IsOptional()
  @Matches(/^[a-z_]{1,32}$/)
  reason?: string;
}
