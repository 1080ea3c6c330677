import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Request } from 'express';
import { CallerRequest } from './caller.decorator';
import { MissingCallerError, UnauthenticatedError } from './auth-errors';
import { bearerMatches } from './token';
import { ID_PATTERN } from '../http/invalid-id.error';
import { ApiConfig, apiConfig } from '../config/api-env';

/**
 * User routes: the recruiting platform's back end authenticates with SERVICE_TOKEN and asserts the acting
 * account and firm in `X-Account-Id` / `X-Firm-Id`.
 */
@Injectable()
export class ServiceAuthGuard implements CanActivate {
  constructor(@Inject(apiConfig.KEY) private readonly config: ApiConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request & CallerRequest>();
    if (!bearerMatches(request.headers.authorization, this.config.serviceToken)) {
      throw new UnauthenticatedError('Missing or wrong service token');
    }
    const accountId = request.header('x-account-id');
    const firmId = request.header('x-firm-id');
    if (!accountId || !ID_PATTERN.test(accountId) || !firmId || !ID_PATTERN.test(firmId)) {
      throw new MissingCallerError('X-Account-Id and X-Firm-Id must be positive integer ids');
    }
    request.caller = { accountId, firmId };
    return true;
  }
}
