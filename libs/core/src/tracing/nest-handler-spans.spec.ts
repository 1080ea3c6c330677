import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { withoutHandlerSpans } from './nest-handler-spans';

describe("Nest's handler span, not started", () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracer = withoutHandlerSpans(provider).getTracer('@opentelemetry/instrumentation-nestjs-core');

  it("gives the route span's context back for the handler's, so what runs in it is the route span's child", () => {
    const route = tracer.startSpan('CallbacksController.push', { attributes: { 'nestjs.type': 'request_context' } });
    const inRoute = trace.setSpan(ROOT_CONTEXT, route);
    const handler = tracer.startSpan('push', { attributes: { 'nestjs.type': 'handler' } }, inRoute);
    expect(handler.spanContext()).toEqual(route.spanContext());
    expect(handler.isRecording()).toBe(false);
    const child = tracer.startSpan('push.ingest', {}, trace.setSpan(inRoute, handler));
    handler.end();
    child.end();
    route.end();
    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => s.name)).toEqual(['push.ingest', 'CallbacksController.push']);
    expect(spans[0].parentSpanContext?.spanId).toBe(route.spanContext().spanId);
    expect(spans[0].spanContext().traceId).toBe(route.spanContext().traceId);
  });
});
