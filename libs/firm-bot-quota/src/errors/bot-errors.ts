import { DomainError, ErrorKind } from '@app/core';

export class BotNotOpenError extends DomainError {
  readonly code = 'BOT_NOT_OPEN';
  readonly kind = ErrorKind.Forbidden;
  constructor() {
    super("The firm's AI Visitor BOT is not open");
  }
}

export class BotExpiredError extends DomainError {
  readonly code = 'BOT_EXPIRED';
  readonly kind = ErrorKind.Forbidden;
  constructor(expiredAt: Date) {
    super(`The firm's AI Visitor BOT expired at ${expiredAt.toISOString()}`);
  }
}

export class BotTaskQuotaExceededError extends DomainError {
  readonly code = 'BOT_TASK_QUOTA_EXCEEDED';
  readonly kind = ErrorKind.Forbidden;
  constructor(quota: number) {
    super(`The firm has used all ${quota} of its BOT tasks`);
  }
}
