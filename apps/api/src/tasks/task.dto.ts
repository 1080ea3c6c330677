import { ApiProperty, ApiPropertyOptional, IntersectionType, PickType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { CallResult, ContactStatus, Intention, TaskStatus } from '@app/task';
import { CallWindowDto } from './call-window.dto';
import { IsZonedDateTime } from '../http/zoned-date-time';
import {
  CALL_RESULT_MEANINGS,
  CALL_RESULTS,
  CONTACT_STATUS_MEANINGS,
  CONTACT_STATUSES,
  INTENTION_MEANINGS,
  INTENTIONS,
  TASK_STATUS_MEANINGS,
  TASK_STATUSES,
} from './status-words';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';

/** Contacts accepted by one request; larger lists are refused before any work. */
export const MAX_CONTACTS_PER_REQUEST = 10_000;

export class ContactDto {
  @ApiProperty({
    description:
      'Mobile number; no country code means China. Normalised to E.164; empty (`""` or blank), invalid, landline and duplicate ' +
      'numbers come back in `rejected[]`, the other contacts are taken',
    maxLength: 32,
    example: '13800138000',
  })
  // Not @IsNotEmpty: an empty number is one contact's problem (`rejected[]`, `empty`), as a blank one always was.
  @IsString()
  @MaxLength(32)
  phone: string;

  @ApiPropertyOptional({ maxLength: 64, example: '张三' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  name?: string;

  /** The platform's own id for the candidate, echoed in results. */
  @ApiPropertyOptional({
    description: "The platform's own id for the candidate, echoed in results",
    maxLength: 64,
    example: 'cand-1',
  })
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

  @ApiPropertyOptional({
    description: 'Contacts per campaign (default TASK_DEFAULT_BATCH_SIZE, at most TASK_MAX_BATCH_SIZE)',
    minimum: 1,
    example: 200,
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  batchSize?: number;

  @ApiPropertyOptional({
    description: 'Calls per contact at most (default TASK_DEFAULT_MAX_ATTEMPTS)',
    minimum: 1,
    maximum: 10,
    example: 2,
  })
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

  @ApiPropertyOptional({
    description: 'When the robot may call; default 09:00–20:00 Asia/Shanghai, every day',
    type: CallWindowDto,
  })
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

  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    description:
      "Start at a set time: an ISO 8601 date-time with its zone (`Z` or `±HH:MM`). In the future, the task is created scheduled (`waitingFor: scheduled`) and the worker's minute check starts it within a minute of it; " +
      'not in the future, the task is started as soon as it is created (a plain start). Without a zone: 400 `VALIDATION_FAILED`',
    example: '2027-03-01T09:30:00+08:00',
  })
  @IsOptional()
  @IsZonedDateTime({ message: 'startAt must be an ISO 8601 date-time with a zone (Z or ±HH:MM)' })
  startAt?: string;
}

/** `POST /tasks/:id/start`'s optional body: a start at a set time. */
export class StartTaskDto {
  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    nullable: true,
    description:
      'Absent (or no body): start now. An ISO 8601 date-time with its zone (`Z` or `±HH:MM`) in the future: schedule the ' +
      "task not started to start then (again: reschedule); the worker's minute check starts it within a minute of it. " +
      'Not in the future: start now. Null: unschedule. Without a zone: 400 `VALIDATION_FAILED`',
    example: '2027-03-01T09:30:00+08:00',
  })
  @ValidateIf((_, value) => value !== null && value !== undefined)
  @IsZonedDateTime({ message: 'at must be an ISO 8601 date-time with a zone (Z or ±HH:MM), or null' })
  at?: string | null;
}

/** The skip reasons a follow-up may filter on. */
export const FOLLOW_UP_SKIP_REASONS = ['do_not_call', 'invalid', 'cooling', 'cancelled', 'withdrawn'] as const;

export class FollowUpFilterDto {
  @ApiPropertyOptional({
    type: 'integer',
    isArray: true,
    enum: CALL_RESULTS,
    description: `Contacts whose call result is one of these: ${CALL_RESULT_MEANINGS}`,
    example: [CallResult.None, CallResult.Failed],
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsIn(CALL_RESULTS, { each: true })
  callResult?: CallResult[];

  @ApiPropertyOptional({
    type: 'integer',
    isArray: true,
    enum: INTENTIONS,
    description: `Contacts whose intention is one of these: ${INTENTION_MEANINGS}`,
    example: [Intention.Inconvenient],
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsIn(INTENTIONS, { each: true })
  intention?: Intention[];

  @ApiPropertyOptional({
    type: String,
    isArray: true,
    enum: FOLLOW_UP_SKIP_REASONS,
    description: 'Skipped contacts whose skip reason is one of these',
    example: ['cancelled'],
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsIn([...FOLLOW_UP_SKIP_REASONS], { each: true })
  skipReason?: string[];
}

/** A follow-up's own settings; each one not given is its source task's. */
export class FollowUpSettingsDto extends PickType(CreateTaskDto, [
  'batchSize',
  'maxAttempts',
  'retryGapMinutes',
  'callWindow',
] as const) {}

export class FollowUpDto {
  @ApiPropertyOptional({
    maxLength: 100,
    description: 'The new task\'s name; default: the source\'s with " (follow-up)"',
    example: 'Java 架构师 · 第二轮',
  })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  name?: string;

  @ApiProperty({
    type: FollowUpFilterDto,
    description:
      "Which contacts of the source task to call again: each list given must hold the contact's value (at least one list)",
  })
  @IsObject()
  @ValidateNested()
  @Type(() => FollowUpFilterDto)
  filter: FollowUpFilterDto;

  @ApiPropertyOptional({ type: FollowUpSettingsDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => FollowUpSettingsDto)
  settings?: FollowUpSettingsDto;
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
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 1_000_000, default: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  page: number = 1;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 500, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  pageSize: number = 50;
}

export class ListTasksQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    type: 'integer',
    enum: TASK_STATUSES,
    description: `Only tasks in this status: ${TASK_STATUS_MEANINGS}`,
  })
  @IsOptional()
  @Type(() => Number)
  @IsIn(TASK_STATUSES)
  status?: TaskStatus;
}

/** The filters of a task's contacts, for the list and the export alike. */
export class ContactFiltersDto {
  @ApiPropertyOptional({
    type: 'integer',
    enum: CONTACT_STATUSES,
    description: `Only contacts in this status: ${CONTACT_STATUS_MEANINGS}`,
  })
  @IsOptional()
  @Type(() => Number)
  @IsIn(CONTACT_STATUSES)
  status?: ContactStatus;

  @ApiPropertyOptional({
    type: 'integer',
    enum: CALL_RESULTS,
    description: `Only this call result: ${CALL_RESULT_MEANINGS}`,
  })
  @IsOptional()
  @Type(() => Number)
  @IsIn(CALL_RESULTS)
  callResult?: CallResult;

  @ApiPropertyOptional({ type: 'integer', enum: INTENTIONS, description: `Only this intention: ${INTENTION_MEANINGS}` })
  @IsOptional()
  @Type(() => Number)
  @IsIn(INTENTIONS)
  intention?: Intention;
}

/** The contact list's query: the filters, a page of them. */
export class ListContactsQueryDto extends IntersectionType(PageQueryDto, ContactFiltersDto) {}

/** The export's query: the filters only. An export is never paged, so `page` and `pageSize` are refused. */
export class ExportContactsQueryDto extends ContactFiltersDto {}

/** A task's settings a recruiter may change (PATCH /v1/tasks/:id); at least one. */
export class EditTaskDto {
  @ApiPropertyOptional({ maxLength: 100, example: 'Java 架构师（上海）' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  name?: string;

  @ApiPropertyOptional({
    description:
      'Replaced whole (fields left out take their defaults, as on create). A running task outside the new window is ' +
      "paused (`outside_window`) at the worker's next minute check, and resumed when it opens",
    type: CallWindowDto,
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => CallWindowDto)
  callWindow?: CallWindowDto;

  @ApiPropertyOptional({
    description:
      'Calls per contact at most. A lower value ends at once the contacts waiting for a retry that already had that ' +
      'many (done; results kept); a contact a running campaign holds may still get its call',
    minimum: 1,
    maximum: 10,
    example: 1,
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10)
  maxAttempts?: number;

  @ApiPropertyOptional({
    description:
      'Minutes before a failed contact is called again; contacts waiting for a retry are due at their last call plus it',
    minimum: 0,
    maximum: 7 * 24 * 60,
    example: 30,
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(7 * 24 * 60)
  retryGapMinutes?: number;

  @ApiPropertyOptional({
    description: 'Contacts per campaign (at most TASK_MAX_BATCH_SIZE), from the next campaign on',
    minimum: 1,
    example: 100,
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  batchSize?: number;
}

/** Contacts withdrawn by one request at most. */
export const MAX_WITHDRAWALS_PER_REQUEST = 1_000;

/** Contacts to withdraw, by id or by number: exactly one of the two (a POST body: numbers never go in URLs). */
export class WithdrawContactsDto {
  @ApiPropertyOptional({
    description: 'Contact ids of the task (`GET /v1/tasks/:id/contacts`)',
    type: [String],
    minItems: 1,
    maxItems: MAX_WITHDRAWALS_PER_REQUEST,
    example: ['1001', '1002'],
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_WITHDRAWALS_PER_REQUEST)
  @Matches(/^[1-9][0-9]{0,18}$/, { each: true, message: 'each of contactIds must be a contact id (digits)' })
  contactIds?: string[];

  @ApiPropertyOptional({
    description: 'Numbers as they were added (normalised as on intake; no country code means China)',
    type: [String],
    minItems: 1,
    maxItems: MAX_WITHDRAWALS_PER_REQUEST,
    example: ['13800138000'],
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_WITHDRAWALS_PER_REQUEST)
  @IsString({ each: true })
  @MaxLength(32, { each: true })
  phones?: string[];
}
