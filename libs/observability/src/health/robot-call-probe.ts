import { HttpService } from '@nestjs/axios';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { firstValueFrom } from 'rxjs';

/** Probe checks must answer well inside a probe's own timeout (set the probe's timeout to 3 s or more). */
export const HEALTH_CHECK_TIMEOUT_MS = 2000;

/** What the readiness answer and the `aiv_robot_call_reachable` gauge say about the platform. */
export interface RobotCallReachability {
  status: 'up' | 'down';
  /** Why it is down: the HTTP status (5xx) or the network error. */
  message?: string;
}

/**
 * Whether the robot-call platform answers: a plain `GET` of ROBOT_CALL_BASE_URL (no credentials, not one of the
 * contract's calls, so it costs the platform nothing and is not counted as a call) that gets any HTTP answer
 * below 500. A 401/404/405 is what a gateway answers a bare GET with and still proves DNS, TCP, TLS and the
 * gateway's HTTP stack; a network error, a timeout or a 5xx means calls would fail now. Its own axios instance:
 * the gateway client's carries the API key and retries.
 */
@Injectable()
export class RobotCallProbe {
  constructor(
    private readonly http: HttpService,
    private readonly config: ConfigService,
  ) {}

  async check(): Promise<RobotCallReachability> {
    const baseUrl = this.config.get<string>('ROBOT_CALL_BASE_URL', 'http://127.0.0.1:4010');
    const timeout = Math.min(Number(this.config.get('ROBOT_CALL_TIMEOUT_MS', 5000)), HEALTH_CHECK_TIMEOUT_MS);
    try {
      const reply = await firstValueFrom(
        this.http.get(baseUrl, { timeout, signal: AbortSignal.timeout(timeout), maxRedirects: 0, validateStatus: () => true }),
      );
      return reply.status < 500 ? { status: 'up' } : { status: 'down', message: `answered HTTP ${reply.status}` };
    } catch (error) {
      return { status: 'down', message: error instanceof Error ? error.message : String(error) };
    }
  }
}
