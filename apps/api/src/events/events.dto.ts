import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { EVENT_TYPES, EventType } from '@app/events';
import { ID_PATTERN } from '../http/invalid-id.error';

/** Events per page at most, and by default. */
export const MAX_EVENTS_PAGE = 1000;
export const DEFAULT_EVENTS_PAGE = 100;

/** A feed position: 0 (the start) or a positive integer, as `nextCursor` gives it. */
const CURSOR_PATTERN = /^(0|[1-9]\d{0,18})$/;

/** `types=a,b` (or `types=a&types=b`) as a list; each entry must be a known type. */
function typeList({ value }: { value: unknown }): unknown {
  const parts = (Array.isArray(value) ? (value as unknown[]) : [value]).flatMap((v) =>
    typeof v === 'string' ? v.split(',') : [v],
  );
  return parts.map((p) => (typeof p === 'string' ? p.trim() : p)).filter((p) => p !== '');
}

/** The recruiters' feed query: the calling firm's events after a cursor, optionally filtered. */
export class EventsQueryDto {
  @ApiPropertyOptional({
    type: String,
    pattern: CURSOR_PATTERN.source,
    description:
      'Read the events after this position: the `nextCursor` of the previous page. Absent or 0: from the oldest event kept',
    example: '1042',
  })
  @IsOptional()
  @Matches(CURSOR_PATTERN, { message: 'after must be a feed position (digits), as nextCursor gives it' })
  after?: string;

  @ApiPropertyOptional({
    type: String,
    description: `Only these event types, comma-separated: ${EVENT_TYPES.join(', ')}. An unknown type is refused`,
    example: 'contact.called,candidate.interested',
  })
  @IsOptional()
  @Transform(typeList)
  @IsArray()
  @ArrayMinSize(1, { message: 'types must name at least one type' })
  @ArrayMaxSize(EVENT_TYPES.length * 2)
  @IsIn(EVENT_TYPES, { each: true, message: `types must be among: ${EVENT_TYPES.join(', ')}` })
  types?: EventType[];

  @ApiPropertyOptional({
    type: String,
    pattern: ID_PATTERN.source,
    description: "Only this task's events",
    example: '42',
  })
  @IsOptional()
  @Matches(ID_PATTERN, { message: 'taskId must be a positive integer id' })
  taskId?: string;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: MAX_EVENTS_PAGE,
    default: DEFAULT_EVENTS_PAGE,
    description: 'Events per page',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_EVENTS_PAGE)
  limit: number = DEFAULT_EVENTS_PAGE;
}

/** Operations' feed query: every firm's events, or one firm's. */
export class AdminEventsQueryDto extends EventsQueryDto {
  @ApiPropertyOptional({
    type: String,
    pattern: ID_PATTERN.source,
    description: "Only this firm's events (without it: every firm's, and the events about all-firms webhooks)",
    example: '1',
  })
  @IsOptional()
  @Matches(ID_PATTERN, { message: 'firmId must be a positive integer id' })
  firmId?: string;
}
