import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { FirmBotEntity } from './entities/firm-bot.entity';
import { FirmBotRepository } from './firm-bot.repository';
import { FirmBotService } from './firm-bot.service';
import { GrantFirmBot } from './usecases/grant-firm-bot.usecase';
import { GetFirmBot } from './usecases/get-firm-bot.usecase';

@Module({
  imports: [TypeOrmModule.forFeature([FirmBotEntity])],
  providers: [FirmBotRepository, FirmBotService, GrantFirmBot, GetFirmBot],
  exports: [FirmBotService, GrantFirmBot, GetFirmBot],
})
export class FirmBotQuotaModule {}
