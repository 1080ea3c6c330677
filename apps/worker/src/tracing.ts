import { startTracing } from '@app/core';

// main.ts's first import, so that tracing (on when OTEL_EXPORTER_OTLP_ENDPOINT is set: docs/operations.md,
// "Traces") starts before Nest, http, mysql2, undici and pino are loaded. Off, it loads nothing of the SDK.
startTracing('ai-visitor-worker');
