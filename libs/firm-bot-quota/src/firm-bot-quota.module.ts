import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EventsModule } from '@app/events';
import { FirmBotEntity } from './entities/firm-bot.entity';
import { FirmBotRepository } from './firm-bot.repository';
import { FirmBotService } from './firm-bot.service';
import { GrantFirmBot } from './usecases/grant-firm-bot.usecase';
import { GetFirmBot } from './usecases/get-firm-bot.usecase';
import { NotifyBotExpiry } from './usecases/notify-bot-expiry.usecase';

/** The BOT entitlement; it writes its expiry notices to the events outbox (EventsModule). */
@Module({
  imports: [TypeOrmModule.forFeature([FirmBotEntity]), EventsModule],
  providers: [FirmBotRepository, FirmBotService, GrantFirmBot, GetFirmBot, NotifyBotExpiry],
  exports: [FirmBotService, GrantFirmBot, GetFirmBot, NotifyBotExpiry],
})
export class FirmBotQuotaModule {}
