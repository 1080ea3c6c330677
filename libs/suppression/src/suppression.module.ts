import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { FirmPhoneEntity } from './firm-phone.entity';
import { SuppressionService } from './suppression.service';
import { SUPPRESSION_SETTINGS, suppressionConfig } from './suppression.settings';
import { AddDoNotCall, ListDoNotCall, RemoveDoNotCall } from './usecases/do-not-call.usecases';

/**
 * The firm's number registry: cooling period, do-not-call list, wrong numbers. Its own domain (and lib)
 * because it spans every task of a firm and outlives them; the task lib consults it.
 */
@Module({
  imports: [TypeOrmModule.forFeature([FirmPhoneEntity])],
  providers: [
    { provide: SUPPRESSION_SETTINGS, useExisting: suppressionConfig.KEY },
    SuppressionService,
    ListDoNotCall,
    AddDoNotCall,
    RemoveDoNotCall,
  ],
  exports: [SuppressionService, ListDoNotCall, AddDoNotCall, RemoveDoNotCall],
})
export class SuppressionModule {}
