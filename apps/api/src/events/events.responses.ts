import { ApiProperty } from '@nestjs/swagger';
import { EVENT_TYPES, EventPage, EventType, EventView } from '@app/events';

/** One event of the feed (mirrors EventView of the events lib; docs/events.md has every type's payload). */
export class EventResponse implements EventView {
  @ApiProperty({
    description: 'Stable, unique event id: deduplicate on it (a webhook may deliver an event twice)',
    example: 'evt_1047',
  })
  id: string;

  @ApiProperty({ enum: EVENT_TYPES, description: 'What happened (docs/events.md)', example: 'contact.called' })
  type: EventType;

  @ApiProperty({
    type: String,
    format: 'date-time',
    description: 'When the change was made (ISO 8601, UTC)',
    example: '2026-11-28T02:03:04.567Z',
  })
  createdAt: string;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The firm it concerns; null only for an event about an all-firms webhook',
    example: '1',
  })
  firmId: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'The task it concerns, if any', example: '42' })
  taskId: string | null;

  @ApiProperty({
    type: Number,
    nullable: true,
    description:
      "The event's number among its task's events: 1, 2, 3… with no gap, in the order the changes committed. Null without a task",
    example: 7,
  })
  sequence: number | null;

  @ApiProperty({
    description: 'Its place in the feed (increasing, not contiguous across filters): the `after` of a later read',
    example: '1043',
  })
  position: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: "The type's payload (docs/events.md); phone numbers masked",
    example: {
      taskId: '42',
      contactId: '901',
      candidateRef: 'cand-1',
      name: '张三',
      phone: '139****0001',
      attempt: 1,
      recordId: 'rec_000123',
      callResult: 1,
      intention: 1,
      failReason: null,
      durationSec: 48,
      calledAt: '2026-11-28T02:02:16.000Z',
    },
  })
  data: Record<string, unknown>;
}

export class EventPageResponse implements EventPage {
  @ApiProperty({ type: [EventResponse], description: 'The events after the cursor, in feed order' })
  items: EventResponse[];

  @ApiProperty({
    type: String,
    nullable: true,
    description:
      "Pass as `after` to read on. The last event's position; the cursor given when the page is empty (null from the start of an empty feed)",
    example: '1043',
  })
  nextCursor: string | null;

  @ApiProperty({
    description: 'Whether more events were waiting when this page was read (read on at once; otherwise poll later)',
    example: false,
  })
  hasMore: boolean;
}
