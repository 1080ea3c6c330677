import { Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { LogScope } from '@app/core';

/**
 * LogScope on nestjs-pino's own context (AsyncLocalStorage): inside `run`, every line written through Nest's
 * Logger or a PinoLogger carries `fields`, on top of the surrounding request's fields if any.
 */
@Injectable()
export class PinoLogScope extends LogScope {
  constructor(private readonly pino: PinoLogger) {
    super();
  }

  run<T>(fields: Record<string, string | number>, work: () => T): T {
    return this.pino.runInContext(work, { bindings: fields, inherit: true });
  }
}
