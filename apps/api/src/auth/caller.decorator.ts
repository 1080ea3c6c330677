import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { Caller } from '@app/core';
import { TaskAccess } from '@app/task';

export interface CallerRequest {
  caller?: Caller;
  /** Set by TaskOwnershipGuard on routes under /tasks/:id. */
  taskAccess?: TaskAccess;
}

/** The account and firm the platform asserted for this request (set by ServiceAuthGuard). */
export const CurrentCaller = createParamDecorator((_: unknown, ctx: ExecutionContext): Caller => {
  return ctx.switchToHttp().getRequest<CallerRequest>().caller!;
});

/** The caller's access to the task of the route (`:id`), granted by TaskOwnershipGuard. */
export const GrantedTask = createParamDecorator((_: unknown, ctx: ExecutionContext): TaskAccess => {
  const access = ctx.switchToHttp().getRequest<CallerRequest>().taskAccess;
  // A route that reads the grant without the guard is a programming error, never a user's.
  if (!access) throw new Error('GrantedTask() on a route without TaskOwnershipGuard');
  return access;
});
