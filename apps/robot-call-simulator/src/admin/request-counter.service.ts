import { Injectable } from '@nestjs/common';

/** Authenticated requests received per contract call, faulted ones included: lets tests count client attempts. */
@Injectable()
export class RequestCounter {
  private counts: Record<string, number> = {};

  count(call: string): void {
    this.counts[call] = (this.counts[call] ?? 0) + 1;
  }

  snapshot(): Record<string, number> {
    return { ...this.counts };
  }

  reset(): void {
    this.counts = {};
  }
}
