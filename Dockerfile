# One image for every app; the compose services (or your orchestrator) pick the entry point:
#   API        node dist/apps/api/src/main.js                  (HTTP on API_PORT, default 3000)
#   worker     node --max-old-space-size=128 dist/apps/worker/src/main.js (probes, /metrics on WORKER_PORT, default 3001)
#   migrations node dist/libs/database/src/cli/migrate.js      (one-shot, before the API and the worker start)
#   simulator  node dist/apps/robot-call-simulator/src/main.js (local runs and tests only)
FROM node:22-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 (the embedded database) compiles from source.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY apps ./apps
COPY libs ./libs
RUN npm run build && npm prune --omit=dev

FROM node:22-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --chown=node:node package.json ./
# The embedded SQLite database (used when DATABASE_URL is unset) lives here; writable by the app user.
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 3000 3001 4010
# Liveness through the app's own probe, with node's fetch (the slim image has no curl). HEALTHCHECK_PORT is the
# port of the app the container runs: 3000 for the API (the default CMD); set it to WORKER_PORT for the worker.
ENV HEALTHCHECK_PORT=3000
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.HEALTHCHECK_PORT + '/health/live', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM: in-flight requests / the running sync pass finish (bounded by SHUTDOWN_TIMEOUT_MS, 25 s), exit 0.
STOPSIGNAL SIGTERM
CMD ["node", "dist/apps/api/src/main.js"]
