import { HttpModule } from '@nestjs/axios';
import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';
import { RobotCallProbe } from './robot-call-probe';

/**
 * `GET /health/live` and `GET /health/ready` (terminus); failures are logged as JSON. Exports the platform's
 * probe for the `aiv_robot_call_reachable` gauge.
 */
@Module({
  imports: [TerminusModule.forRoot({ errorLogStyle: 'json' }), HttpModule.register({})],
  controllers: [HealthController],
  providers: [RobotCallProbe],
  exports: [RobotCallProbe],
})
export class HealthModule {}
