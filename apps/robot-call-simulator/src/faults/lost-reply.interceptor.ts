import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { map, Observable } from 'rxjs';
import { ReplyLost } from '../envelope/envelope';
import { FaultInjector } from './fault-injector.service';

/**
 * After the handler has done its work (the campaign exists), maybe drop the answer: the filter then
 * destroys the connection, which is what a client sees when a reply is lost on the way back.
 */
@Injectable()
export class LostReplyInterceptor implements NestInterceptor {
  constructor(private readonly faults: FaultInjector) {}

  intercept(_context: ExecutionContext, next: CallHandler<unknown>): Observable<unknown> {
    return next.handle().pipe(
      map((body) => {
        if (this.faults.shouldLoseReply()) throw new ReplyLost();
        return body;
      }),
    );
  }
}
