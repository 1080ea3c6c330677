import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { FirmBotService } from '@app/firm-bot-quota';
import { CallerRequest } from './caller.decorator';

/** Routes that spend the BOT (create, start): refused with BOT_NOT_OPEN / BOT_EXPIRED before any work. */
@Injectable()
export class BotEntitlementGuard implements CanActivate {
  constructor(private readonly firmBot: FirmBotService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<CallerRequest>();
    await this.firmBot.assertUsable(request.caller!.firmId);
    return true;
  }
}
