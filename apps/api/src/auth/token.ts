import { createHash, timingSafeEqual } from 'crypto';

/** Constant-time comparison of a presented bearer token with the expected one. */
export function bearerMatches(header: string | undefined, expected: string): boolean {
  const match = /^Bearer (.+)$/.exec(header ?? '');
  if (!match) return false;
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(match[1]), digest(expected));
}
