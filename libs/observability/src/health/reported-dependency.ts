/** Probe checks must answer well inside a probe's own timeout (set the probe's timeout to 3 s or more). */
export const HEALTH_CHECK_TIMEOUT_MS = 2000;

/** What a reported dependency says: up, or down and why. */
export interface DependencyState {
  status: 'up' | 'down';
  /** Why it is down: an HTTP status, a network error. */
  message?: string;
}

/**
 * A dependency the readiness answer reports without depending on it (the robot-call platform, say): shown under
 * `info` and `details` by `name`, never under `error`, so its outage never takes a replica out of the load
 * balancer. Implemented beside what it checks (the campaign gateway's `RobotCallProbe`); the app hands it to
 * `ObservabilityModule.forRoot({ reported })`.
 */
export interface ReportedDependency {
  readonly name: string;
  check(): Promise<DependencyState>;
}

export const REPORTED_DEPENDENCIES = Symbol('REPORTED_DEPENDENCIES');
