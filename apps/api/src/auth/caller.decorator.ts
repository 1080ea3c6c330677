import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { Caller } from '@app/task';

export interface CallerRequest {
  caller?: Caller;
}

/** The account and firm the platform asserted for this request (set by ServiceAuthGuard). */
export const CurrentCaller = createParamDecorator((_: unknown, ctx: ExecutionContext): Caller => {
  return ctx.switchToHttp().getRequest<CallerRequest>().caller!;
});
