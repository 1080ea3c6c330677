import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Request } from 'express';
import { CallerRequest } from './caller.decorator';
import { MissingCallerError, UnauthenticatedError } from './auth-errors';
import { bearerMatches } from './token';
import { ID_PATTERN } from '../http/invalid-id.error';


/**
 * User routes: the recruiting platform's back end authenticates with SERVICE_TOKEN and asserts the acting
 * account and firm in `X-Account-Id` / `X-Firm-Id`.
 */
@Injectable()
export class ServiceAuthGuard implements CanActivate {
  constructor(private readonly config: ConfigService) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request & CallerRequest>();
    if (!bearerMatches(request.headers.authorization, this.config.getOrThrow('SERVICE_TOKEN'))) {
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
