import { ROOT_CONTEXT, SpanKind } from '@opentelemetry/api';
import { SamplingDecision } from '@opentelemetry/sdk-trace-node';
import { MySQL2Instrumentation } from '@opentelemetry/instrumentation-mysql2';
import { carriesTraceContext, inRecordedSpan, rootSampler, samplingRatio } from './tracing-sdk';

describe('tracing sampler', () => {
  it('reads OTEL_TRACES_SAMPLER_ARG as a ratio from 0 to 1, and anything else as 1', () => {
    expect(samplingRatio({})).toBe(1);
    expect(samplingRatio({ OTEL_TRACES_SAMPLER_ARG: '0.25' })).toBe(0.25);
    expect(samplingRatio({ OTEL_TRACES_SAMPLER_ARG: '0' })).toBe(0);
    for (const bad of ['', ' ', '1.5', '-0.1', 'half', 'NaN']) {
      expect(samplingRatio({ OTEL_TRACES_SAMPLER_ARG: bad })).toBe(1);
    }
  });

  const traceIds = Array.from({ length: 2000 }, (_, i) => ((i + 1) * 2654435761).toString(16).padStart(32, '0'));
  const sampled = (env: NodeJS.ProcessEnv, kind: SpanKind) => {
    const sampler = rootSampler(env);
    return traceIds.filter(
      (id) =>
        sampler.shouldSample(ROOT_CONTEXT, id, 'span', kind, {}, []).decision === SamplingDecision.RECORD_AND_SAMPLED,
    ).length;
  };

  it('starts no trace at a statement or an outgoing call, whatever the ratio', () => {
    expect(sampled({}, SpanKind.CLIENT)).toBe(0);
  });

  it('keeps every trace a request starts by default, none at 0, and about the share asked in between', () => {
    expect(sampled({}, SpanKind.SERVER)).toBe(traceIds.length);
    expect(sampled({ OTEL_TRACES_SAMPLER_ARG: '0' }, SpanKind.SERVER)).toBe(0);
    const tenth = sampled({ OTEL_TRACES_SAMPLER_ARG: '0.1' }, SpanKind.INTERNAL);
    expect(tenth).toBeGreaterThan(0);
    expect(tenth).toBeLessThan(traceIds.length);
  });
});

describe('tracing: what the instrumentations skip', () => {
  it("still finds mysql2's query wrapper to guard (an upgrade renaming it must fail here)", () => {
    expect(typeof (MySQL2Instrumentation.prototype as unknown as { _patchQuery?: unknown })._patchQuery).toBe(
      'function',
    );
  });

  it('sees no recorded span outside one', () => {
    expect(inRecordedSpan()).toBe(false);
  });

  it("tells a request carrying its caller's trace context, in either header form", () => {
    expect(carriesTraceContext(undefined)).toBe(false);
    expect(carriesTraceContext({ 'Content-Type': 'application/json' })).toBe(false);
    expect(carriesTraceContext({ traceparent: '00-…' })).toBe(true);
    expect(carriesTraceContext({ TraceParent: '00-…' })).toBe(true);
    expect(carriesTraceContext(['Host', 'x', 'traceparent', '00-…'])).toBe(true);
    expect(carriesTraceContext(['Host', 'traceparent'])).toBe(false);
  });
});
