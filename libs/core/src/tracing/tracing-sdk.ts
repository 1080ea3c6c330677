import type { OutgoingHttpHeaders } from 'http';
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

/** A span that records is active: what a statement's or an outgoing call's span would be the child of. */
export function inRecordedSpan(): boolean {
  return trace.getSpan(context.active())?.isRecording() ?? false;
}

/**
 * mysql2's instrumentation, minus its work for a statement outside any recorded span (the relay's rounds, the
 * campaign-end follow-up after a push's answer, a sync pass, a trace not sampled): there the sampler would drop its
 * span anyway (no root at a client span; parent-based below a span not sampled), but the instrumentation would still
 * build its attributes, mask its text, start a span that records nothing and wrap its callback, each statement. A
 * statement inside a recorded span gets its span exactly as before.
 */
export class RecordedStatementsInstrumentation extends MySQL2Instrumentation {}
type Query = (this: unknown, ...args: unknown[]) => unknown;
type PatchQuery = (format: unknown, isPrepared: boolean) => (original: Query) => Query;
const patchQuery = (MySQL2Instrumentation.prototype as unknown as { _patchQuery?: PatchQuery })._patchQuery;
// The instrumentation's own wrapper of Connection.query/execute (a private method: tracing-sdk.spec.ts checks it
// is there, so that an upgrade renaming it fails a test rather than silently tracing every statement again).
if (typeof patchQuery === 'function')
  Object.defineProperty(RecordedStatementsInstrumentation.prototype, '_patchQuery', {
    value: function (this: MySQL2Instrumentation, format: unknown, isPrepared: boolean) {
      const wrap = patchQuery.call(this, format, isPrepared);
      return (original: Query): Query => {
        const traced = wrap(original);
        return function (this: unknown, ...args: unknown[]) {
          return (inRecordedSpan() ? traced : original).apply(this, args);
        };
      };
    },
  });

/** The headers of an outgoing request name a `traceparent` (set by the caller: its span is the request's). */
export function carriesTraceContext(headers: OutgoingHttpHeaders | readonly string[] | undefined): boolean {
  if (!headers) return false;
  if (Array.isArray(headers))
    return (headers as readonly unknown[]).some(
      (name, i) => i % 2 === 0 && typeof name === 'string' && name.toLowerCase() === 'traceparent',
    );
  return Object.keys(headers).some((name) => name.toLowerCase() === 'traceparent');
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
 * Nest (the controller and handler), mysql2 (each statement, its values masked) and undici (any fetch),
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
        // A request that carries its trace context already is its caller's span's own (the relay's delivery sends
        // `webhook.deliver`'s): a client span beside it would say the same again, at a cost a push.
        // And a call outside any recorded span (the sync's, the campaign-end follow-up's) would make a span that
        // records nothing: skipped before the instrumentation's work, as the statements are.
        ignoreOutgoingRequestHook: (options) => !inRecordedSpan() || carriesTraceContext(options.headers),
      }),
      new NestInstrumentation(),
      // Statements only, as written with their placeholders: values (phones sealed or hashed, transcripts) never.
      new RecordedStatementsInstrumentation({ maskStatement: true }),
      new UndiciInstrumentation({ ignoreRequestHook: () => !inRecordedSpan() }),
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
