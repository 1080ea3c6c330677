import { Body, Controller, Get, Param, Put, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { GetFirmBot, GrantFirmBot } from '@app/firm-bot-quota';
import { Caller } from '@app/core';
import { AdminAuthGuard } from '../auth/admin-auth.guard';
import { ServiceAuthGuard } from '../auth/service-auth.guard';
import { CurrentCaller } from '../auth/caller.decorator';
import { ApiErrors, BODY_ERRORS, DATABASE_ERRORS, USER_AUTH_ERRORS } from '../http/api-errors';
import { idParam } from '../http/invalid-id.error';
import { instantOf } from '../http/zoned-date-time';
import { ApiAdminAuth, ApiServiceAuth } from '../openapi';
import { GrantBotDto } from './bot.dto';
import { FirmBotResponse } from './bot.responses';

/** Operations set and read a firm's BOT entitlement. */
@ApiTags('admin')
@ApiAdminAuth()
@ApiParam({ name: 'firmId', description: 'Firm id (digits)', example: '1' })
@Controller('admin/firms/:firmId/bot')
@UseGuards(AdminAuthGuard)
export class AdminBotController {
  constructor(
    private readonly grantFirmBot: GrantFirmBot,
    private readonly getFirmBot: GetFirmBot,
  ) {}

  @Put()
  @ApiOperation({ summary: "Set a firm's BOT switch, expiry and task quota (usage is kept)" })
  @ApiOkResponse({ type: FirmBotResponse, description: 'The entitlement with its usage' })
  @ApiErrors('UNAUTHENTICATED', ...BODY_ERRORS, ...DATABASE_ERRORS)
  grant(@Param('firmId') firmId: string, @Body() body: GrantBotDto) {
    return this.grantFirmBot.execute({
      firmId: idParam('firmId', firmId),
      isOpenBot: body.isOpenBot,
      botExpireAt: body.botExpireAt === null ? null : instantOf(body.botExpireAt),
      botTaskNum: body.botTaskNum,
    });
  }

  @Get()
  @ApiOperation({ summary: "A firm's entitlement with usage; a firm never granted reads as not open" })
  @ApiOkResponse({ type: FirmBotResponse, description: 'The entitlement with its usage' })
  @ApiErrors('UNAUTHENTICATED', 'VALIDATION_FAILED', ...DATABASE_ERRORS)
  get(@Param('firmId') firmId: string) {
    return this.getFirmBot.execute({ firmId: idParam('firmId', firmId) });
  }
}

/** A firm reads its own entitlement and usage. */
@ApiTags('bot')
@ApiServiceAuth()
@Controller('bot')
@UseGuards(ServiceAuthGuard)
export class OwnBotController {
  constructor(private readonly getFirmBot: GetFirmBot) {}

  @Get()
  @ApiOperation({ summary: "The calling firm's own entitlement and usage" })
  @ApiOkResponse({ type: FirmBotResponse, description: 'The entitlement with its usage' })
  @ApiErrors(...USER_AUTH_ERRORS, ...DATABASE_ERRORS)
  get(@CurrentCaller() caller: Caller) {
    return this.getFirmBot.execute({ firmId: caller.firmId });
  }
}
