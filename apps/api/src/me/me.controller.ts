import { Controller, Get, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Caller } from '@app/core';
import { ServiceAuthGuard } from '../auth/service-auth.guard';
import { CurrentCaller } from '../auth/caller.decorator';
import { ApiErrors, USER_AUTH_ERRORS } from '../http/api-errors';
import { ApiServiceAuth } from '../openapi';
import { CallerResponse } from './me.responses';

/**
 * Who the API takes the caller to be: lets the platform's back end check its token and headers without side
 * effects. It reads nothing from the database, so behind the same global pieces as every user route (the
 * throttler, logging, metrics, validation, the error filter) it is also the API's own ceiling in the bench.
 */
@ApiTags('me')
@ApiServiceAuth()
@Controller('me')
@UseGuards(ServiceAuthGuard)
export class MeController {
  @Get()
  @ApiOperation({ summary: 'The calling firm and account, as the service token and caller headers establish them' })
  @ApiOkResponse({ type: CallerResponse, description: 'The caller' })
  @ApiErrors(...USER_AUTH_ERRORS)
  get(@CurrentCaller() caller: Caller): CallerResponse {
    return { firmId: caller.firmId, accountId: caller.accountId };
  }
}
