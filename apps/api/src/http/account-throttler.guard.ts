import { ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerGuard,
  ThrottlerModuleOptions,
  ThrottlerStorage,
} from '@nestjs/throttler';
import { bearerMatches } from '../auth/token';
import { ID_PATTERN } from './invalid-id.error';
import { ApiConfig, apiConfig } from '../config/api-env';

const OPERATIONS_PATHS = ['/health', '/metrics', '/docs'];

/**
 * Rate limit per recruiter account (THROTTLE_LIMIT requests per THROTTLE_TTL_SECONDS). A request counts
 * against its account only when it carries the real service token: otherwise anybody could spend another
 * account's budget by forging its headers, so unauthenticated traffic is counted per client address instead.
 * Probes, metrics and the docs are never limited.
 */
@Injectable()
export class AccountThrottlerGuard extends ThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    @Inject(apiConfig.KEY) private readonly config: ApiConfig,
  ) {
    super(options, storage, reflector);
  }

  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    const path: string = context.switchToHttp().getRequest<{ path?: string }>().path ?? '';
    return OPERATIONS_PATHS.some(
      (prefix) => path === prefix || path.startsWith(`${prefix}/`) || path.startsWith(`${prefix}-`),
    );
  }

  protected override async getTracker(req: Record<string, any>): Promise<string> {
    const headers = (req.headers ?? {}) as Record<string, string | undefined>;
    const firm = headers['x-firm-id'];
    const account = headers['x-account-id'];
    const token = this.config.serviceToken;
    if (
      token &&
      firm &&
      account &&
      ID_PATTERN.test(firm) &&
      ID_PATTERN.test(account) &&
      bearerMatches(headers.authorization, token)
    ) {
      return `account:${firm}:${account}`;
    }
    return `ip:${req.ip ?? 'unknown'}`;
  }
}
