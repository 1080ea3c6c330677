import {
  Attributes,
  context,
  Context,
  isSpanContextValid,
  Link,
  ProxyTracerProvider,
  Span,
  SpanContext,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
} from '@opentelemetry/api';

/**
 * The helpers the libs trace their hops with (docs/operations.md, "Traces"). They use only the OpenTelemetry API,
 * which does nothing until an SDK is registered (startTracing, when OTEL_EXPORTER_OTLP_ENDPOINT is set): with
 * tracing off, each is a check of the registered provider and a direct call.
 */

const TRACER = 'ai-visitor';
/** What the API gives when no SDK is registered. */
const NO_SDK = new ProxyTracerProvider().getDelegate();

/** A trace context held for later (a push waiting for its task's transaction). */
export type TraceContext = Context;

/** An SDK is registered (tracing is on in this process). */
export function tracingOn(): boolean {
  const provider = trace.getTracerProvider();
  return (provider instanceof ProxyTracerProvider ? provider.getDelegate() : provider) !== NO_SDK;
}

/** The context active now, to start spans under later; undefined when tracing is off. */
export function captureTraceContext(): TraceContext | undefined {
  return tracingOn() ? context.active() : undefined;
}

/** The active span as a W3C `traceparent` (`00-<trace id>-<span id>-<flags>`), or null (tracing off, no span). */
export function currentTraceparent(): string | null {
  if (!tracingOn()) return null;
  const span = trace.getSpanContext(context.active());
  if (!span || !isSpanContextValid(span)) return null;
  return `00-${span.traceId}-${span.spanId}-0${(span.traceFlags & TraceFlags.SAMPLED).toString(16)}`;
}

/** Sets attributes (those not undefined) on the active span, if one records; nothing when tracing is off. */
export function setSpanAttributes(attributes: Attributes): void {
  if (!tracingOn()) return;
  const span = trace.getSpan(context.active());
  if (!span?.isRecording()) return;
  for (const [key, value] of Object.entries(attributes)) if (value !== undefined) span.setAttribute(key, value);
}

/** A W3C `traceparent` as a remote span context, or undefined when it is not one. */
export function parseTraceparent(traceparent: string | null | undefined): SpanContext | undefined {
  const match = traceparent ? /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec(traceparent) : null;
  if (!match) return undefined;
  const span: SpanContext = { traceId: match[1], spanId: match[2], traceFlags: parseInt(match[3], 16), isRemote: true };
  return isSpanContextValid(span) ? span : undefined;
}

/**
 * Runs `fn` in a span that is the child of the first of `contexts` (or of the active context) and links to the
 * spans of all of them: one transaction doing the work of several requests (a coalesced batch of pushes) shows in
 * each request's trace. Tracing off: `fn()`.
 */
export function inLinkedSpan<T>(
  name: string,
  contexts: readonly (TraceContext | undefined)[],
  attributes: Attributes,
  fn: () => Promise<T>,
): Promise<T> {
  if (!tracingOn()) return fn();
  const links: Link[] = [];
  for (const held of contexts) {
    const span = held && trace.getSpanContext(held);
    if (span && isSpanContextValid(span)) links.push({ context: span });
  }
  const parent = contexts.find((held) => held !== undefined) ?? context.active();
  return trace
    .getTracer(TRACER)
    .startActiveSpan(name, { kind: SpanKind.INTERNAL, links, attributes }, parent, (span) => ended(span, fn));
}

/**
 * Runs `fn` in a span continuing the trace a stored `traceparent` names (its child), across processes: the relay's
 * delivery of an event written by a push. A root span when there is none. Tracing off: `fn()`.
 */
export function inContinuedSpan<T>(
  name: string,
  traceparent: string | null | undefined,
  attributes: Attributes,
  fn: () => Promise<T>,
): Promise<T> {
  if (!tracingOn()) return fn();
  const stored = parseTraceparent(traceparent);
  const parent = stored ? trace.setSpanContext(context.active(), stored) : trace.deleteSpan(context.active());
  return trace
    .getTracer(TRACER)
    .startActiveSpan(name, { kind: SpanKind.CONSUMER, attributes }, parent, (span) => ended(span, fn));
}

async function ended<T>(span: Span, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({ code: SpanStatusCode.ERROR });
    throw error;
  } finally {
    span.end();
  }
}
