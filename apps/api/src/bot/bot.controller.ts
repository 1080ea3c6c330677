import { Body, Controller, Get, Param, Put, UseGuards } from '@nestjs/common';
import { GetFirmBot, GrantFirmBot } from '@app/firm-bot-quota';
import { Caller } from '@app/task';
import { AdminAuthGuard } from '../auth/admin-auth.guard';
import { ServiceAuthGuard } from '../auth/service-auth.guard';
import { CurrentCaller } from '../auth/caller.decorator';
import { InvalidIdError } from '../http/invalid-id.error';
import { GrantBotDto } from './bot.dto';

function firmIdParam(value: string): string {
  if (!/^[1-9]\d{0,18}$/.test(value)) throw new InvalidIdError('firmId', value);
  return value;
}

/** Operations set and read a firm's BOT entitlement. */
@Controller('admin/firms/:firmId/bot')
@UseGuards(AdminAuthGuard)
export class AdminBotController {
  constructor(
    private readonly grantFirmBot: GrantFirmBot,
    private readonly getFirmBot: GetFirmBot,
  ) {}

  @Put()
  grant(@Param('firmId') firmId: string, @Body() body: GrantBotDto) {
    return this.grantFirmBot.execute({
      firmId: firmIdParam(firmId),
      isOpenBot: body.isOpenBot,
      botExpireAt: body.botExpireAt ? new Date(body.botExpireAt) : null,
      botTaskNum: body.botTaskNum,
    });
  }

  @Get()
  get(@Param('firmId') firmId: string) {
    return this.getFirmBot.execute(firmIdParam(firmId));
  }
}

/** A firm reads its own entitlement and usage. */
@Controller('bot')
@UseGuards(ServiceAuthGuard)
export class OwnBotController {
  constructor(private readonly getFirmBot: GetFirmBot) {}

  @Get()
  get(@CurrentCaller() caller: Caller) {
    return this.getFirmBot.execute(caller.firmId);
  }
}
