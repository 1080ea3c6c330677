import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { CallWindowDto } from './call-window.dto';
import {
  ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsInt, IsNotEmpty, IsOptional, IsString, Matches, Max, MaxLength, Min,
  ValidateNested,
} from 'class-validator';

/** Contacts accepted by one request; larger lists are refused before any work. */
export const MAX_CONTACTS_PER_REQUEST = 10_000;

export class ContactDto {
  @ApiProperty({
    description: 'Mobile number; no country code means China. Normalised to E.164; invalid, landline and duplicate numbers come back in `rejected[]`',
    maxLength: 32,
    example: '13800138000',
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(32)
  phone: string;

  @ApiPropertyOptional({ maxLength: 64, example: '张三' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  name?: string;

  /** The platform's own id for the candidate, echoed in results. */
  @ApiPropertyOptional({ description: "The platform's own id for the candidate, echoed in results", maxLength: 64, example: 'cand-1' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  candidateRef?: string;
}

export class CreateTaskDto {
  @ApiProperty({ maxLength: 100, example: 'Java 架构师' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  name: string;

  @ApiProperty({ description: "The robot's dialogue script", pattern: '^[\\w.-]{1,64}$', example: 'recruit-v1' })
  @IsString()
  @Matches(/^[\w.-]{1,64}$/, { message: 'scriptId must be 1–64 letters, digits, dots, dashes or underscores' })
  scriptId: string;

  @ApiPropertyOptional({ description: 'Contacts per campaign (default TASK_DEFAULT_BATCH_SIZE, at most TASK_MAX_BATCH_SIZE)', minimum: 1, example: 200 })
  @IsOptional()
  @IsInt()
  @Min(1)
  batchSize?: number;

  @ApiPropertyOptional({ description: 'Calls per contact at most (default TASK_DEFAULT_MAX_ATTEMPTS)', minimum: 1, maximum: 10, example: 2 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10)
  maxAttempts?: number;

  @ApiPropertyOptional({
    description: 'Minutes before a failed contact is called again (default TASK_DEFAULT_RETRY_GAP_MINUTES)',
    minimum: 0,
    maximum: 7 * 24 * 60,
    example: 60,
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(7 * 24 * 60)
  retryGapMinutes?: number;

  @ApiPropertyOptional({ description: 'When the robot may call; default 09:00–20:00 Asia/Shanghai, every day', type: CallWindowDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => CallWindowDto)
  callWindow?: CallWindowDto;

  @ApiPropertyOptional({ type: [ContactDto], maxItems: MAX_CONTACTS_PER_REQUEST, default: [] })
  @IsArray()
  @ArrayMaxSize(MAX_CONTACTS_PER_REQUEST)
  @ValidateNested({ each: true })
  @Type(() => ContactDto)
  contacts: ContactDto[] = [];
}

export class AddContactsDto {
  @ApiProperty({ type: [ContactDto], minItems: 1, maxItems: MAX_CONTACTS_PER_REQUEST })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_CONTACTS_PER_REQUEST)
  @ValidateNested({ each: true })
  @Type(() => ContactDto)
  contacts: ContactDto[];
}

export class PageQueryDto {
  /** Bounded: the offset (page - 1) × pageSize must stay a number both databases accept. */
  @ApiPropertyOptional({ minimum: 1, maximum: 1_000_000, default: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  page: number = 1;

  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  pageSize: number = 50;
}

export class ListTasksQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    enum: [1, 2, 3, 4, 5, 6],
    description: 'Only tasks in this status: 1 not started, 2 starting, 3 in progress, 4 paused, 5 completed, 6 cancelled',
  })
  @IsOptional()
  @Type(() => Number)
  @IsIn([1, 2, 3, 4, 5, 6])
  status?: number;
}

export class ListContactsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: [1, 2, 3, 4], description: 'Only contacts in this status: 1 waiting, 2 in a campaign, 3 done, 4 skipped' })
  @IsOptional()
  @Type(() => Number)
  @IsIn([1, 2, 3, 4])
  status?: number;

  @ApiPropertyOptional({ enum: [0, 1, 2], description: 'Only this call result: 0 none, 1 connected, 2 failed' })
  @IsOptional()
  @Type(() => Number)
  @IsIn([0, 1, 2])
  callResult?: number;

  @ApiPropertyOptional({
    enum: [0, 1, 2, 3, 4],
    description: 'Only this intention: 0 none, 1 interested, 2 not considering, 3 inconvenient, 4 wrong number',
  })
  @IsOptional()
  @Type(() => Number)
  @IsIn([0, 1, 2, 3, 4])
  intention?: number;
}
