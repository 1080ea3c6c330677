import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Request } from 'express';
import { UnauthenticatedError } from './auth-errors';
import { bearerMatches } from './token';
import { ApiConfig, apiConfig } from '../config/api-env';

/** Operations routes: ADMIN_TOKEN only (the service token does not open them, nor the reverse). */
@Injectable()
export class AdminAuthGuard implements CanActivate {
  constructor(@Inject(apiConfig.KEY) private readonly config: ApiConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request>();
    if (!bearerMatches(request.headers.authorization, this.config.adminToken)) {
      throw new UnauthenticatedError('Missing or wrong admin token');
    }
    return true;
  }
}
