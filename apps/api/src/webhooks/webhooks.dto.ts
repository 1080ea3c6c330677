import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
} from 'class-validator';
import { EVENT_TYPES, EventType } from '@app/events';
import { ID_PATTERN } from '../http/invalid-id.error';
import { IsZonedDateTime } from '../http/zoned-date-time';

const URL_DESCRIPTION =
  'Where events are POSTed: an http or https URL without credentials, whose host is on `WEBHOOK_ALLOWED_HOSTS` ' +
  '(else 400 `WEBHOOK_URL_NOT_ALLOWED`, nothing written). Redirects are not followed.';
const TYPES_DESCRIPTION = 'The event types it receives (docs/events.md); absent or null: every type.';

/** The event types an endpoint takes: absent or null for all, else a non-empty list of distinct known types. */
function EventTypesField(example: EventType[]): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ description: TYPES_DESCRIPTION, type: [String], enum: EVENT_TYPES, nullable: true, example }),
    IsOptional(),
    IsArray(),
    ArrayMinSize(1),
    ArrayMaxSize(EVENT_TYPES.length),
    ArrayUnique(),
    IsIn([...EVENT_TYPES], { each: true }),
  );
}

export class CreateWebhookDto {
  @ApiProperty({
    description: URL_DESCRIPTION,
    maxLength: 2048,
    example: 'https://hooks.platform.example.com/ai-visitor',
  })
  @IsString()
  @MaxLength(2048)
  url: string;

  @ApiPropertyOptional({
    description: "The firm whose events it receives (digits); absent: every firm's (the platform's all-firms endpoint)",
    pattern: ID_PATTERN.source,
    example: '1',
  })
  @IsOptional()
  @IsString()
  @Matches(ID_PATTERN, { message: 'firmId must be a positive integer id' })
  firmId?: string;

  @EventTypesField(['contact.called', 'task.completed'])
  eventTypes?: EventType[] | null;

  @ApiPropertyOptional({
    description: 'Send full phone numbers (default: masked, as the feed shows them)',
    default: false,
    example: false,
  })
  @IsOptional()
  @IsBoolean()
  fullPhones?: boolean;

  @ApiPropertyOptional({
    description: 'Deliver to it (default true); a disabled endpoint gets no new deliveries',
    default: true,
    example: true,
  })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}

export class UpdateWebhookDto {
  @ApiPropertyOptional({
    description: URL_DESCRIPTION,
    maxLength: 2048,
    example: 'https://hooks.platform.example.com/ai-visitor/v2',
  })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  url?: string;

  @EventTypesField(['candidate.interested'])
  eventTypes?: EventType[] | null;

  @ApiPropertyOptional({ description: 'Send full phone numbers', example: true })
  @IsOptional()
  @IsBoolean()
  fullPhones?: boolean;

  @ApiPropertyOptional({
    description:
      'Disable (the reason reads `disabled by operations`), or enable again: clears the reason and the failure streak',
    example: true,
  })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}

export class AdminWebhookQueryDto {
  @ApiPropertyOptional({ description: "Only this firm's endpoints (digits)", pattern: ID_PATTERN.source, example: '1' })
  @IsOptional()
  @IsString()
  @Matches(ID_PATTERN, { message: 'firmId must be a positive integer id' })
  firmId?: string;
}

const EVENT_ID = /^evt_\d{1,19}$/;

export class RedeliverDto {
  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    description:
      'Events created from this instant (inclusive), ISO 8601 with a zone; give `to` too. Or give `eventIds`.',
    example: '2026-12-01T00:00:00Z',
  })
  @IsOptional()
  @IsZonedDateTime()
  from?: string;

  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    description: 'Up to this instant (exclusive), ISO 8601 with a zone',
    example: '2026-12-02T00:00:00Z',
  })
  @IsOptional()
  @IsZonedDateTime()
  to?: string;

  @ApiPropertyOptional({
    description: 'These events (`evt_…`, at most 1,000)',
    type: [String],
    maxItems: 1000,
    example: ['evt_1047', 'evt_1054'],
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @Matches(EVENT_ID, { each: true, message: 'each of eventIds must be an event id (evt_ and its number)' })
  eventIds?: string[];
}
