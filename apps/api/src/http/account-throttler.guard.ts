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

/** What the tracker reads of a request (Express's). */
interface TrackedRequest {
  headers?: Record<string, string | undefined>;
  ip?: string;
}

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

  // ThrottlerGuard awaits both hooks inside its own async methods: a value or a throw here reaches it as from an
  // async method.
  protected override shouldSkip(context: ExecutionContext): Promise<boolean> {
    const path: string = context.switchToHttp().getRequest<{ path?: string }>().path ?? '';
    const operations = OPERATIONS_PATHS.some(
      (prefix) => path === prefix || path.startsWith(`${prefix}/`) || path.startsWith(`${prefix}-`),
    );
    return Promise.resolve(operations);
  }

  protected override getTracker(req: TrackedRequest): Promise<string> {
    return Promise.resolve(this.trackerOf(req));
  }

  private trackerOf(req: TrackedRequest): string {
    const headers = req.headers ?? {};
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
