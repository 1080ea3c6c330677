import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Request } from 'express';
import { Observable } from 'rxjs';
import { RequestCounter } from './request-counter.service';

@Injectable()
export class RequestCounterInterceptor implements NestInterceptor {
  constructor(private readonly counter: RequestCounter) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    this.counter.count(context.switchToHttp().getRequest<Request>().path.replace(/^\/+/, ''));
    return next.handle();
  }
}
