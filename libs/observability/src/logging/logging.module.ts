import { DynamicModule, Global, Module } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import { LogScope } from '@app/core';
import { observabilityConfig } from '../observability.config';
import { buildPinoHttpOptions } from './pino-options';
import { PinoLogScope } from './pino-log-scope';

/**
 * Where the JSON lines go: stdout unless a test overrides this provider with a stream it reads
 * (`Test.createTestingModule(...).overrideProvider(LOG_DESTINATION).useValue(stream)`).
 */
export const LOG_DESTINATION = Symbol('LOG_DESTINATION');

/**
 * Structured logs (nestjs-pino): a pino-http middleware on every route, Nest's logger replaced by pino once
 * the app calls `app.useLogger(app.get(Logger))`, and the `LogScope` the libs use to bind fields.
 */
@Global()
@Module({})
export class LoggingModule {
  static forRoot(options: { service: string }): DynamicModule {
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRootAsync({
          providers: [{ provide: LOG_DESTINATION, useValue: null }],
          inject: [observabilityConfig.KEY, LOG_DESTINATION],
          useFactory: (config: ConfigType<typeof observabilityConfig>, destination: DestinationStream | null) => {
            const pinoHttp = buildPinoHttpOptions({
              service: options.service,
              level: config.logLevel,
            });
            return { pinoHttp: destination ? [pinoHttp, destination] : pinoHttp };
          },
        }),
      ],
      providers: [{ provide: LogScope, useClass: PinoLogScope }],
      exports: [LogScope],
    };
  }
}
