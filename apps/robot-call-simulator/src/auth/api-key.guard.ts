import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Request } from 'express';
import { timingSafeEqual } from 'node:crypto';
import { RefusalCode, SimulatorRefusal } from '../envelope/envelope';
import { SIMULATOR_OPTIONS, SimulatorOptions } from '../simulator.options';

/** `Authorization: Bearer {apiKey}` on every route, as the contract requires (401 / 40100 otherwise). */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly expected: Buffer;

  constructor(@Inject(SIMULATOR_OPTIONS) options: SimulatorOptions) {
    this.expected = Buffer.from(`Bearer ${options.apiKey}`);
  }

  canActivate(context: ExecutionContext): boolean {
    const presented = Buffer.from(context.switchToHttp().getRequest<Request>().headers.authorization ?? '');
    if (presented.length === this.expected.length && timingSafeEqual(presented, this.expected)) return true;
    throw new SimulatorRefusal(RefusalCode.Unauthorized, 'missing or wrong API key');
  }
}
