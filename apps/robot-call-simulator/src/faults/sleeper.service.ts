import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { RefusalCode, SimulatorRefusal } from '../envelope/envelope';

/**
 * Timers behind injected latency and hangs. Shutdown cuts every pending one short with a 50300, so a
 * 30-second hang never holds up closing the app (or a test run).
 */
@Injectable()
export class Sleeper implements OnModuleDestroy {
  private readonly pending = new Map<NodeJS.Timeout, (reason: Error) => void>();

  sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(timer);
        resolve();
      }, ms);
      timer.unref();
      this.pending.set(timer, reject);
    });
  }

  onModuleDestroy(): void {
    for (const [timer, reject] of this.pending) {
      clearTimeout(timer);
      reject(new SimulatorRefusal(RefusalCode.Unavailable, 'simulator shutting down'));
    }
    this.pending.clear();
  }
}
