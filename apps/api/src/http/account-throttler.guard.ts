import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import { bearerMatches } from '../auth/token';
import { ID_PATTERN } from './invalid-id.error';

const OPERATIONS_PATHS = ['/health', '/metrics', '/docs'];

/**
 * Rate limit per recruiter account (THROTTLE_LIMIT requests per THROTTLE_TTL_SECONDS). A request counts
 * against its account only when it carries the real service token: otherwise anybody could spend another
 * account's budget by forging its headers, so unauthenticated traffic is counted per client address instead.
 * Probes, metrics and the docs are never limited.
 */
@Injectable()
export class AccountThrottlerGuard extends ThrottlerGuard {
  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    const path: string = context.switchToHttp().getRequest<{ path?: string }>().path ?? '';
    return OPERATIONS_PATHS.some((prefix) => path === prefix || path.startsWith(`${prefix}/`) || path.startsWith(`${prefix}-`));
  }

  protected override async getTracker(req: Record<string, any>): Promise<string> {
    const headers = (req.headers ?? {}) as Record<string, string | undefined>;
    const firm = headers['x-firm-id'];
    const account = headers['x-account-id'];
    const token = process.env.SERVICE_TOKEN ?? '';
    if (token && firm && account && ID_PATTERN.test(firm) && ID_PATTERN.test(account) && bearerMatches(headers.authorization, token)) {
      return `account:${firm}:${account}`;
    }
    return `ip:${req.ip ?? 'unknown'}`;
  }
}
