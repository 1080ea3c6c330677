import { HttpModule } from '@nestjs/axios';
import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';

/** `GET /health/live` and `GET /health/ready` (terminus); failures are logged as JSON. */
@Module({
  imports: [TerminusModule.forRoot({ errorLogStyle: 'json' }), HttpModule.register({})],
  controllers: [HealthController],
})
export class HealthModule {}
