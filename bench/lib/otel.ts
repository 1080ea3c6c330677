/**
 * BENCH_OTEL=1 in the bench process itself (the ingest section's sync pass runs here): bench/run.ts's first import,
 * so the instrumentations hook http, mysql2, undici, Nest and pino before any of them loads, as an app's
 * tracing.ts does, then stay disabled (nothing patched) until `withTracing` turns them on, with a tracer provider
 * exporting to the given OTLP endpoint, for one measured run, and off again after it: the rest of the run is not
 * traced. Without BENCH_OTEL=1 nothing of the SDK is loaded (the requires below are not reached).
 */
import { createRequire } from 'module';
import type { Instrumentation } from '@opentelemetry/instrumentation';

type Sdk = {
  api: typeof import('@opentelemetry/api');
  node: typeof import('@opentelemetry/sdk-trace-node');
  exporter: typeof import('@opentelemetry/exporter-trace-otlp-http');
  resources: typeof import('@opentelemetry/resources');
};

let sdk: Sdk | undefined;
let instrumentations: Instrumentation[] = [];

if (process.env.BENCH_OTEL === '1') {
  const load = createRequire(__filename);
  const { registerInstrumentations } = load(
    '@opentelemetry/instrumentation',
  ) as typeof import('@opentelemetry/instrumentation');
  const { HttpInstrumentation } = load(
    '@opentelemetry/instrumentation-http',
  ) as typeof import('@opentelemetry/instrumentation-http');
  // The apps' own pieces: mysql2's instrumentation minus statements outside a sampled trace, the outgoing hooks.
  const { RecordedStatementsInstrumentation, inRecordedSpan, carriesTraceContext } = load(
    '../../libs/core/src/tracing/tracing-sdk',
  ) as typeof import('../../libs/core/src/tracing/tracing-sdk');
  const { NestInstrumentation } = load(
    '@opentelemetry/instrumentation-nestjs-core',
  ) as typeof import('@opentelemetry/instrumentation-nestjs-core');
  const { UndiciInstrumentation } = load(
    '@opentelemetry/instrumentation-undici',
  ) as typeof import('@opentelemetry/instrumentation-undici');
  const { PinoInstrumentation } = load(
    '@opentelemetry/instrumentation-pino',
  ) as typeof import('@opentelemetry/instrumentation-pino');
  sdk = {
    api: load('@opentelemetry/api') as Sdk['api'],
    node: load('@opentelemetry/sdk-trace-node') as Sdk['node'],
    exporter: load('@opentelemetry/exporter-trace-otlp-http') as Sdk['exporter'],
    resources: load('@opentelemetry/resources') as Sdk['resources'],
  };
  // The apps' set and settings (libs/core/src/tracing/tracing-sdk.ts; Nest's handler span aside: this process
  // serves no request while traced, and Nest's tracer is fixed when it loads, before any provider here).
  instrumentations = [
    new HttpInstrumentation({
      ignoreOutgoingRequestHook: (options) => !inRecordedSpan() || carriesTraceContext(options.headers),
    }),
    new NestInstrumentation(),
    new RecordedStatementsInstrumentation({ maskStatement: true }),
    new UndiciInstrumentation({ ignoreRequestHook: () => !inRecordedSpan() }),
    new PinoInstrumentation({ disableLogSending: true }),
  ];
  registerInstrumentations({ instrumentations });
  for (const instrumentation of instrumentations) instrumentation.disable();
}

/** `work` with tracing on in this process, its spans exported to `endpoint` (OTLP/HTTP); BENCH_OTEL=1 only. */
export async function withTracing<T>(endpoint: string, work: () => Promise<T>): Promise<T> {
  if (!sdk) throw new Error('withTracing needs BENCH_OTEL=1 (set before the bench starts)');
  const { api, node, exporter, resources } = sdk;
  const provider = new node.NodeTracerProvider({
    resource: resources.resourceFromAttributes({ 'service.name': 'ai-visitor-bench' }),
    spanProcessors: [new node.BatchSpanProcessor(new exporter.OTLPTraceExporter({ url: `${endpoint}/v1/traces` }))],
  });
  provider.register();
  for (const instrumentation of instrumentations) {
    instrumentation.setTracerProvider(provider);
    instrumentation.enable();
  }
  try {
    return await work();
  } finally {
    for (const instrumentation of instrumentations) instrumentation.disable();
    await provider.shutdown();
    api.trace.disable();
    api.context.disable();
    api.propagation.disable();
  }
}
