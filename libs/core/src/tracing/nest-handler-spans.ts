import { context, INVALID_SPAN_CONTEXT, trace, Tracer, TracerProvider } from '@opentelemetry/api';

/**
 * `nestjs.type` of the span Nest's instrumentation starts around a route's handler method alone, inside the span of
 * the route's whole (`request_context`: guards, pipes, interceptors and that method), which carries the same
 * controller, method and route.
 */
const HANDLER = 'handler';

/**
 * The tracer provider for Nest's instrumentation (tracing-sdk.ts): every span as the provider makes it, but the
 * handler's, which is not started: the instrumentation gets the route span's context back as its "span" (what it
 * ends and records errors on does nothing), so what runs in the handler (a push's statements, its `push.ingest`)
 * is the route span's child, as the handler span's child it was. One span a request fewer, of two that said the
 * same but for the guards' and pipes' time (the route span's start to its first child's).
 */
export function withoutHandlerSpans(provider: TracerProvider): TracerProvider {
  return {
    getTracer(name, version, options) {
      const tracer = provider.getTracer(name, version, options);
      const startSpan: Tracer['startSpan'] = (spanName, spanOptions, parent) =>
        spanOptions?.attributes?.['nestjs.type'] === HANDLER
          ? trace.wrapSpanContext(trace.getSpanContext(parent ?? context.active()) ?? INVALID_SPAN_CONTEXT)
          : tracer.startSpan(spanName, spanOptions, parent);
      const startActiveSpan: Tracer['startActiveSpan'] = tracer.startActiveSpan.bind(tracer);
      return { startSpan, startActiveSpan };
    },
  };
}
