import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Request } from 'express';
import { UnauthenticatedError } from './auth-errors';
import { bearerMatches } from './token';

/** Operations routes: ADMIN_TOKEN only (the service token does not open them, nor the reverse). */
@Injectable()
export class AdminAuthGuard implements CanActivate {
  constructor(private readonly config: ConfigService) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request>();
    if (!bearerMatches(request.headers.authorization, this.config.getOrThrow('ADMIN_TOKEN'))) {
      throw new UnauthenticatedError('Missing or wrong admin token');
    }
    return true;
  }
}
