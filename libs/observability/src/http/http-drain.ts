import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { HttpAdapterHost } from '@nestjs/core';
import { IncomingMessage, Server, ServerResponse } from 'node:http';
import { observabilityConfig } from '../observability.config';

/** How often connections left idle by the drain are closed. */
const SWEEP_MS = 100;

/**
 * Bounded graceful HTTP shutdown. On `app.close()` (what SIGTERM triggers) Nest closes the server, which
 * stops accepting and waits for every open connection. This makes that wait end: responses given while
 * draining carry `Connection: close`, keep-alive connections are closed as soon as they fall idle (Node
 * would otherwise keep them for keepAliveTimeout), and whatever is still open after SHUTDOWN_TIMEOUT_MS is
 * cut. In-flight requests therefore finish, within the bound.
 */
@Injectable()
export class HttpDrain implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Shutdown');
  private draining = false;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(observabilityConfig.KEY) private readonly config: ConfigType<typeof observabilityConfig>,
  ) {}

  get isDraining(): boolean {
    return this.draining;
  }

  readonly middleware = (_req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    if (this.draining) res.setHeader('Connection', 'close');
    next();
  };

  /** Runs before Nest closes the server (Nest's order: beforeApplicationShutdown, then the server's close). */
  beforeApplicationShutdown(): void {
    this.draining = true;
    const server = this.adapterHost?.httpAdapter?.getHttpServer?.() as Server | undefined;
    if (!server?.listening) return;
    const timeoutMs = this.config.shutdownTimeoutMs;
    const sweep = setInterval(() => server.closeIdleConnections(), SWEEP_MS);
    const deadline = setTimeout(() => {
      this.logger.warn(`requests still open after SHUTDOWN_TIMEOUT_MS=${timeoutMs}; closing their connections`);
      server.closeAllConnections();
    }, timeoutMs);
    sweep.unref();
    deadline.unref();
    server.once('close', () => {
      clearInterval(sweep);
      clearTimeout(deadline);
    });
  }
}
