import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { MySQL2Instrumentation } from '@opentelemetry/instrumentation-mysql2';
import { NestInstrumentation } from '@opentelemetry/instrumentation-nestjs-core';
import { PinoInstrumentation } from '@opentelemetry/instrumentation-pino';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import {
  BatchSpanProcessor,
  NodeTracerProvider,
  ParentBasedSampler,
  Sampler,
  SamplingDecision,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';

/** Probes and metrics: scraped every few seconds, they would be most of the spans and say nothing of a push. */
const UNTRACED_PATHS = /^\/(health|metrics)(\/|\?|$)/;

/**
 * A trace starts at a request, a push's transaction or a delivery; a statement or an outgoing call outside any of
 * them (the relay's polling every EVENTS_RELAY_INTERVAL_MS, the sync's passes) starts none: thousands of one-span
 * traces a minute that say nothing of a push. Of the traces that may start, the share `OTEL_TRACES_SAMPLER_ARG`
 * (0 to 1, the standard variable; default 1, every one) is kept, by trace id. Below a sampled span, everything is
 * recorded, across processes (parent-based: a delivery follows its push's decision, carried in the outbox row).
 */
export function rootSampler(env: NodeJS.ProcessEnv): Sampler {
  const byRatio = new TraceIdRatioBasedSampler(samplingRatio(env));
  return {
    shouldSample: (context, traceId, _name, kind) =>
      kind === SpanKind.CLIENT ? { decision: SamplingDecision.NOT_RECORD } : byRatio.shouldSample(context, traceId),
    toString: () => `NoRootClientSpans{${byRatio.toString()}}`,
  };
}

/** OTEL_TRACES_SAMPLER_ARG as a ratio: a number from 0 to 1, else 1 (every trace). */
export function samplingRatio(env: NodeJS.ProcessEnv): number {
  const raw = env.OTEL_TRACES_SAMPLER_ARG;
  const value = raw === undefined || raw.trim() === '' ? NaN : Number(raw);
  return Number.isFinite(value) && value >= 0 && value <= 1 ? value : 1;
}

/** A positive integer of the environment, or undefined (the SDK's default). */
function positive(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const value = Number(env[name]);
  return Number.isInteger(value) && value > 0 ? value : undefined;
}

/**
 * The OpenTelemetry SDK of one process: spans of HTTP (in and out: the callback, the platform's calls through axios),
 * Nest (the controller and handler), mysql2 (each statement, its values masked) and undici (the webhooks' fetch),
 * trace ids in the pino lines, exported in batches over OTLP/HTTP to OTEL_EXPORTER_OTLP_ENDPOINT. Loaded only by
 * startTracing, when tracing is on, before anything it instruments.
 */
export function startSdk(env: NodeJS.ProcessEnv): { shutdown(): Promise<void> } {
  const resource = resourceFromAttributes({ [ATTR_SERVICE_NAME]: env.OTEL_SERVICE_NAME }).merge(
    detectResources({ detectors: [envDetector] }),
  );
  const provider = new NodeTracerProvider({
    resource,
    sampler: new ParentBasedSampler({ root: rootSampler(env) }),
    spanProcessors: [
      new BatchSpanProcessor(new OTLPTraceExporter(), {
        scheduledDelayMillis: positive(env, 'OTEL_BSP_SCHEDULE_DELAY'),
        maxQueueSize: positive(env, 'OTEL_BSP_MAX_QUEUE_SIZE'),
        maxExportBatchSize: positive(env, 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE'),
        exportTimeoutMillis: positive(env, 'OTEL_BSP_EXPORT_TIMEOUT'),
      }),
    ],
  });
  provider.register();
  const unregister = registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request) => UNTRACED_PATHS.test(request.url ?? ''),
      }),
      new NestInstrumentation(),
      // Statements only, as written with their placeholders: values (phones sealed or hashed, transcripts) never.
      new MySQL2Instrumentation({ maskStatement: true }),
      new UndiciInstrumentation(),
      // Trace and span ids in the log lines; the lines themselves still go to stdout only.
      new PinoInstrumentation({ disableLogSending: true }),
    ],
  });
  return {
    // The spans buffered exported, then everything undone (the bench turns tracing on and off in one process).
    shutdown: async () => {
      await provider.shutdown();
      unregister();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}
