import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { RequestCounter } from './admin/request-counter.service';
import { SimulatorAdminController } from './admin/simulator-admin.controller';
import { CampaignStore } from './campaigns/campaign-store.service';
import { RobotCallController } from './contract/robot-call.controller';
import { EnvelopeFilter } from './envelope/envelope.filter';
import { buildValidationPipe } from './envelope/validation';
import { FaultInjector } from './faults/fault-injector.service';
import { Sleeper } from './faults/sleeper.service';
import { CallResultPusher } from './push/call-result-pusher.service';
import { assertValidSimulatorOptions, SIMULATOR_OPTIONS, SimulatorOptions } from './simulator.options';

/** The robot-call platform's contract, simulated in memory (see the app's README). */
@Module({})
export class RobotCallSimulatorModule {
  static forRoot(options: SimulatorOptions): DynamicModule {
    assertValidSimulatorOptions(options);
    return {
      module: RobotCallSimulatorModule,
      controllers: [RobotCallController, SimulatorAdminController],
      providers: [
        { provide: SIMULATOR_OPTIONS, useValue: options },
        { provide: APP_FILTER, useClass: EnvelopeFilter },
        { provide: APP_PIPE, useFactory: buildValidationPipe },
        CampaignStore,
        FaultInjector,
        Sleeper,
        RequestCounter,
        CallResultPusher,
      ],
    };
  }
}
