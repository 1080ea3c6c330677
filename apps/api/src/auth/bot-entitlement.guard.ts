import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { FirmBotService } from '@app/firm-bot-quota';
import { CallerRequest } from './caller.decorator';

/**
 * Routes that spend the BOT (create, start, follow-up): refused with BOT_NOT_OPEN / BOT_EXPIRED before any work.
 * Unscheduling (`POST /tasks/:id/start { "at": null }`) spends nothing and is let through: a recruiter can take back a
 * scheduled start while the BOT is closed.
 */
@Injectable()
export class BotEntitlementGuard implements CanActivate {
  constructor(private readonly firmBot: FirmBotService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<CallerRequest & { body?: unknown }>();
    const body = request.body;
    if (body && typeof body === 'object' && 'at' in body && body.at === null) return true;
    await this.firmBot.assertUsable(request.caller!.firmId);
    return true;
  }
}
