import { createRequire } from 'module';

/** Which SDK a process started, to flush it on the way out. */
let started: { shutdown(): Promise<void> } | null = null;

/**
 * Tracing is on when an OTLP endpoint is given (OTEL_EXPORTER_OTLP_ENDPOINT, or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT),
 * unless OTEL_SDK_DISABLED is `true` or OTEL_TRACES_EXPORTER is `none`.
 */
export function tracingRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  if (env.OTEL_TRACES_EXPORTER?.trim().toLowerCase() === 'none') return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim());
}

/**
 * Starts OpenTelemetry tracing in this process when it is requested (tracingRequested), under the service name
 * OTEL_SERVICE_NAME or else `service`; true if it did. Must run before Nest, http, mysql2, undici and pino are
 * loaded (the first import of an app's main.ts: its `tracing.ts`), so that they are instrumented. Off, not one
 * module of the SDK is loaded.
 */
export function startTracing(service: string, env: NodeJS.ProcessEnv = process.env): boolean {
  if (started || !tracingRequested(env)) return started !== null;
  env.OTEL_SERVICE_NAME ||= service;
  // Loaded here only (a static import would load the SDK with tracing off too).
  const sdk = createRequire(__filename)('./tracing-sdk') as typeof import('./tracing-sdk');
  started = sdk.startSdk(env);
  return true;
}

/** How long shutdown waits for the last spans' export at most: a collector away must not hold the exit. */
const STOP_WITHIN_MS = 5000;

/** Exports the spans still buffered (within 5 s), then stops tracing (at shutdown); nothing when it is off. */
export async function stopTracing(): Promise<void> {
  const sdk = started;
  started = null;
  if (!sdk) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    sdk.shutdown().catch(() => undefined),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, STOP_WITHIN_MS).unref())),
  ]);
  clearTimeout(timer);
}
