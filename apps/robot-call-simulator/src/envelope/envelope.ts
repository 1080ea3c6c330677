/** The contract's answer shape; every simulator route answers with it, errors included. */
export interface Envelope<T = unknown> {
  code: number;
  message: string;
  data: T | null;
}

export function ok<T>(data: T): Envelope<T> {
  return { code: 0, message: 'ok', data };
}

/** The contract's refusal codes (README table); the HTTP status is the code's first three digits. */
export enum RefusalCode {
  InvalidParameters = 40000,
  Unauthorized = 40100,
  NotFound = 40400,
  TransitionNotAllowed = 40900,
  RequestIdReused = 42200,
  Internal = 50000,
  Unavailable = 50300,
}

/** A refusal the filter turns into `{ code, message, data: null }` with the matching HTTP status. */
export class SimulatorRefusal extends Error {
  constructor(
    readonly code: RefusalCode,
    message: string,
  ) {
    super(message);
  }

  get httpStatus(): number {
    return Math.floor(this.code / 100);
  }
}

/** Thrown after an `add` was applied to simulate a lost reply: the filter destroys the connection. */
export class ReplyLost extends Error {
  constructor() {
    super('reply deliberately lost');
  }
}
