import { Body, Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { AddDoNotCall, ListDoNotCall, RemoveDoNotCall } from '@app/suppression';
import { Caller } from '@app/core';
import { ServiceAuthGuard } from '../auth/service-auth.guard';
import { AdminAuthGuard } from '../auth/admin-auth.guard';
import { CurrentCaller } from '../auth/caller.decorator';
import { idParam } from '../http/invalid-id.error';
import { PageQueryDto } from '../tasks/task.dto';
import { DoNotCallChangeDto } from './do-not-call.dto';
import { ApiErrors, BODY_ERRORS, DATABASE_ERRORS, USER_AUTH_ERRORS } from '../http/api-errors';
import { ApiAdminAuth, ApiServiceAuth } from '../openapi';
import { DoNotCallAddedResponse, DoNotCallPageResponse, DoNotCallRemovedResponse } from './do-not-call.responses';

/** A firm's own do-not-call list. Removal is a POST with a body: phone numbers never go into URLs. */
@ApiTags('do-not-call')
@ApiServiceAuth()
@Controller('do-not-call')
@UseGuards(ServiceAuthGuard)
export class DoNotCallController {
  constructor(
    private readonly list: ListDoNotCall,
    private readonly add: AddDoNotCall,
    private readonly remove: RemoveDoNotCall,
  ) {}

  @Get()
  @ApiOperation({ summary: "The calling firm's do-not-call list (masked numbers)" })
  @ApiOkResponse({ type: DoNotCallPageResponse, description: 'A page of the list, numbers masked' })
  @ApiErrors(...USER_AUTH_ERRORS, 'VALIDATION_FAILED', ...DATABASE_ERRORS)
  get(@CurrentCaller() caller: Caller, @Query() query: PageQueryDto) {
    return this.list.execute({ firmId: caller.firmId, page: query.page, pageSize: query.pageSize });
  }

  @Post()
  @ApiOperation({ summary: 'Add numbers: they are never called again by any task of the firm' })
  @ApiCreatedResponse({ type: DoNotCallAddedResponse, description: 'How many numbers were added' })
  @ApiErrors(...USER_AUTH_ERRORS, ...BODY_ERRORS, ...DATABASE_ERRORS)
  put(@CurrentCaller() caller: Caller, @Body() body: DoNotCallChangeDto) {
    return this.add.execute({ firmId: caller.firmId, phones: body.phones, reason: body.reason });
  }

  @Post('remove')
  @HttpCode(200)
  @ApiOperation({ summary: 'Remove numbers from the list' })
  @ApiOkResponse({ type: DoNotCallRemovedResponse, description: 'How many numbers were removed' })
  @ApiErrors(...USER_AUTH_ERRORS, ...BODY_ERRORS, ...DATABASE_ERRORS)
  delete(@CurrentCaller() caller: Caller, @Body() body: DoNotCallChangeDto) {
    return this.remove.execute({ firmId: caller.firmId, phones: body.phones });
  }
}

/** Operations view and edit any firm's do-not-call list. */
@ApiTags('admin')
@ApiAdminAuth()
@ApiParam({ name: 'firmId', description: 'Firm id (digits)', example: '1' })
@Controller('admin/firms/:firmId/do-not-call')
@UseGuards(AdminAuthGuard)
export class AdminDoNotCallController {
  constructor(
    private readonly list: ListDoNotCall,
    private readonly add: AddDoNotCall,
    private readonly remove: RemoveDoNotCall,
  ) {}

  @Get()
  @ApiOperation({ summary: "A firm's do-not-call list (masked numbers)" })
  @ApiOkResponse({ type: DoNotCallPageResponse, description: 'A page of the list, numbers masked' })
  @ApiErrors('UNAUTHENTICATED', 'VALIDATION_FAILED', ...DATABASE_ERRORS)
  get(@Param('firmId') firmId: string, @Query() query: PageQueryDto) {
    return this.list.execute({ firmId: idParam('firmId', firmId), page: query.page, pageSize: query.pageSize });
  }

  @Post()
  @ApiOperation({ summary: "Add numbers to a firm's do-not-call list" })
  @ApiCreatedResponse({ type: DoNotCallAddedResponse, description: 'How many numbers were added' })
  @ApiErrors('UNAUTHENTICATED', ...BODY_ERRORS, ...DATABASE_ERRORS)
  put(@Param('firmId') firmId: string, @Body() body: DoNotCallChangeDto) {
    return this.add.execute({ firmId: idParam('firmId', firmId), phones: body.phones, reason: body.reason });
  }

  @Post('remove')
  @HttpCode(200)
  @ApiOperation({ summary: "Remove numbers from a firm's do-not-call list" })
  @ApiOkResponse({ type: DoNotCallRemovedResponse, description: 'How many numbers were removed' })
  @ApiErrors('UNAUTHENTICATED', ...BODY_ERRORS, ...DATABASE_ERRORS)
  delete(@Param('firmId') firmId: string, @Body() body: DoNotCallChangeDto) {
    return this.remove.execute({ firmId: idParam('firmId', firmId), phones: body.phones });
  }
}
