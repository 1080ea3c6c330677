import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Request } from 'express';
import { assertOwnedBy, TaskRepository } from '@app/task';
import { CallerRequest } from './caller.decorator';
import { idParam } from '../http/invalid-id.error';

/** Routes under /tasks/:id: the task must exist in the caller's firm and belong to the caller's account. */
@Injectable()
export class TaskOwnershipGuard implements CanActivate {
  constructor(private readonly tasks: TaskRepository) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<Request & CallerRequest>();
    const taskId = idParam('id', String(request.params.id));
    assertOwnedBy(await this.tasks.findById(taskId), taskId, request.caller!);
    return true;
  }
}
