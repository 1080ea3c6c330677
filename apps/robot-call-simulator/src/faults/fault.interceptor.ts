import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { defer, mergeMap, Observable } from 'rxjs';
import { FaultInjector } from './fault-injector.service';

/** Applies latency, hangs and injected errors before the contract's handlers run. */
@Injectable()
export class FaultInterceptor implements NestInterceptor {
  constructor(private readonly faults: FaultInjector) {}

  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return defer(() => this.faults.beforeHandling()).pipe(mergeMap(() => next.handle()));
  }
}
