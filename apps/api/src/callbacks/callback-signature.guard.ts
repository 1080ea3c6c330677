import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { createHmac, timingSafeEqual } from 'crypto';
import { Request } from 'express';
import { Clock, DomainError, ErrorKind } from '@app/core';
import { ApiConfig, apiConfig } from '../config/api-env';

export class CallbackSignatureError extends DomainError {
  readonly code = 'CALLBACK_SIGNATURE_INVALID';
  readonly kind = ErrorKind.Unauthenticated;
}

/** Pushes older (or further in the future) than this are refused as replays. */
export const CALLBACK_MAX_AGE_SECONDS = 300;

export interface RawBodyRequest {
  rawBody?: Buffer;
}

/**
 * The platform signs each push: `X-Robot-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>`
 * with `X-Robot-Timestamp` in unix seconds (contract: libs/campaign-gateway/README.md). The signature covers
 * the exact bytes received, so the body is verified before it is parsed into anything.
 */
@Injectable()
export class CallbackSignatureGuard implements CanActivate {
  constructor(
    @Inject(apiConfig.KEY) private readonly config: ApiConfig,
    private readonly clock: Clock,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request & RawBodyRequest>();
    const timestamp = request.header('x-robot-timestamp') ?? '';
    const signature = request.header('x-robot-signature') ?? '';
    if (!/^\d{1,12}$/.test(timestamp) || !/^sha256=[0-9a-f]{64}$/.test(signature) || !request.rawBody) {
      throw new CallbackSignatureError('Missing or malformed X-Robot-Timestamp / X-Robot-Signature');
    }
    const age = Math.abs(this.clock.now().getTime() / 1000 - Number(timestamp));
    if (age > CALLBACK_MAX_AGE_SECONDS)
      throw new CallbackSignatureError('The push is too old (or from the future): refused as a replay');
    const expected = createHmac('sha256', this.config.callbackSecret)
      .update(`${timestamp}.`)
      .update(request.rawBody)
      .digest();
    const given = Buffer.from(signature.slice('sha256='.length), 'hex');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new CallbackSignatureError('The signature does not match the body');
    }
    return true;
  }
}
