import { createServer, Server } from 'http';
import { AddressInfo } from 'net';
import { gunzipSync } from 'zlib';

/** A span as the sink received it (OTLP/HTTP JSON, ids in hex). */
export interface ReceivedSpan {
  /** `service.name` of the process that sent it. */
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  /** OTLP's numbers: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  /** The instrumentation that made it (`@opentelemetry/instrumentation-mysql2`, `ai-visitor`, …). */
  scope: string;
  links: { traceId: string; spanId: string }[];
  attributes: Record<string, string | number | boolean | undefined>;
}

export interface OtlpSink {
  /** `http://127.0.0.1:<port>`: OTEL_EXPORTER_OTLP_ENDPOINT for the processes that export to it. */
  endpoint: string;
  /** Every span received, in arrival order (none kept with `keep: false`). */
  spans: ReceivedSpan[];
  /** Spans and export requests received. */
  counts: { spans: number; requests: number };
  /** Spans received by `<service> <scope> <name>` (kept or not): what the traced processes make. */
  byName: Map<string, number>;
  close(): Promise<void>;
}

type AnyValue = {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
};
type KeyValue = { key: string; value: AnyValue };
type OtlpSpan = {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  links?: { traceId: string; spanId: string }[];
  attributes?: KeyValue[];
};
type ExportRequest = {
  resourceSpans?: {
    resource?: { attributes?: KeyValue[] };
    scopeSpans?: { scope?: { name?: string }; spans?: OtlpSpan[] }[];
  }[];
};

const valueOf = (v: AnyValue): string | number | boolean | undefined =>
  v.stringValue ?? v.intValue ?? v.boolValue ?? v.doubleValue;
const attributesOf = (list: KeyValue[] | undefined) =>
  Object.fromEntries((list ?? []).map((a) => [a.key, valueOf(a.value)]));

/**
 * A tiny OTLP/HTTP trace receiver (JSON, as @opentelemetry/exporter-trace-otlp-http sends it) on 127.0.0.1: accepts
 * `POST /v1/traces`, answers 200, and counts the spans (and keeps them, for a test to read, unless `keep` is false:
 * the bench only counts). What a collector would be, minus everything a collector does.
 */
export async function startOtlpSink(options: { keep?: boolean } = {}): Promise<OtlpSink> {
  const keep = options.keep ?? true;
  const spans: ReceivedSpan[] = [];
  const counts = { spans: 0, requests: 0 };
  const byName = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      counts.requests++;
      try {
        let body = Buffer.concat(chunks);
        if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
        const request = JSON.parse(body.toString('utf8')) as ExportRequest;
        for (const resourceSpans of request.resourceSpans ?? []) {
          const service = String(attributesOf(resourceSpans.resource?.attributes)['service.name'] ?? '');
          for (const scopeSpans of resourceSpans.scopeSpans ?? [])
            for (const span of scopeSpans.spans ?? []) {
              counts.spans++;
              const key = `${service} ${(scopeSpans.scope?.name ?? '').replace('@opentelemetry/', '')} ${span.name}`;
              byName.set(key, (byName.get(key) ?? 0) + 1);
              if (!keep) continue;
              spans.push({
                service,
                traceId: span.traceId,
                spanId: span.spanId,
                parentSpanId: span.parentSpanId ?? '',
                name: span.name,
                kind: span.kind,
                scope: scopeSpans.scope?.name ?? '',
                links: (span.links ?? []).map((l) => ({ traceId: l.traceId, spanId: l.spanId })),
                attributes: attributesOf(span.attributes),
              });
            }
        }
        res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
      } catch {
        res.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans,
    counts,
    byName,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
