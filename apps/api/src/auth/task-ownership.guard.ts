import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Request } from 'express';
import { AuthorizeTaskAccess } from '@app/task';
import { CallerRequest } from './caller.decorator';
import { idParam } from '../http/invalid-id.error';

/**
 * Routes under /tasks/:id: the task must exist in the caller's firm and belong to the caller's account. The
 * one ownership check of the request; the grant it leaves on the request (`@GrantedTask()`) is what the use
 * cases take, so none can run without it.
 */
@Injectable()
export class TaskOwnershipGuard implements CanActivate {
  constructor(private readonly authorize: AuthorizeTaskAccess) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<Request & CallerRequest>();
    request.taskAccess = await this.authorize.execute({
      caller: request.caller!,
      taskId: idParam('id', String(request.params.id)),
    });
    return true;
  }
}
