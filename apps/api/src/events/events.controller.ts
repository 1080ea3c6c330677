import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Caller } from '@app/core';
import { ListEvents } from '@app/events';
import { ServiceAuthGuard } from '../auth/service-auth.guard';
import { AdminAuthGuard } from '../auth/admin-auth.guard';
import { CurrentCaller } from '../auth/caller.decorator';
import { ApiErrors, DATABASE_ERRORS, USER_AUTH_ERRORS } from '../http/api-errors';
import { ApiAdminAuth, ApiServiceAuth } from '../openapi';
import { AdminEventsQueryDto, EventsQueryDto } from './events.dto';
import { EventPageResponse } from './events.responses';

/**
 * The events feed: what the webhooks push, to read at the platform's own pace (catching up after downtime, or
 * instead of webhooks). The firm is the caller's, always: a task filter narrows within it, never outside it.
 */
@ApiTags('events')
@ApiServiceAuth()
@Controller('events')
@UseGuards(ServiceAuthGuard)
export class EventsController {
  constructor(private readonly listEvents: ListEvents) {}

  @Get()
  @ApiOperation({
    summary: "The calling firm's events after a cursor, oldest first (keyset-paged by position; docs/events.md)",
  })
  @ApiOkResponse({ type: EventPageResponse, description: 'A page of events and the cursor to read on from' })
  @ApiErrors(...USER_AUTH_ERRORS, 'VALIDATION_FAILED', ...DATABASE_ERRORS)
  list(@CurrentCaller() caller: Caller, @Query() query: EventsQueryDto) {
    return this.listEvents.execute({
      firmId: caller.firmId,
      after: query.after,
      types: query.types,
      taskId: query.taskId,
      limit: query.limit,
    });
  }
}

/** Operations read every firm's events (and those about all-firms webhooks), or one firm's. */
@ApiTags('admin')
@ApiAdminAuth()
@Controller('admin/events')
@UseGuards(AdminAuthGuard)
export class AdminEventsController {
  constructor(private readonly listEvents: ListEvents) {}

  @Get()
  @ApiOperation({ summary: "Every firm's events after a cursor, oldest first; `firmId` for one firm's" })
  @ApiOkResponse({ type: EventPageResponse, description: 'A page of events and the cursor to read on from' })
  @ApiErrors('UNAUTHENTICATED', 'VALIDATION_FAILED', ...DATABASE_ERRORS)
  list(@Query() query: AdminEventsQueryDto) {
    return this.listEvents.execute({
      firmId: query.firmId,
      after: query.after,
      types: query.types,
      taskId: query.taskId,
      limit: query.limit,
    });
  }
}
