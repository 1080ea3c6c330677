#!/usr/bin/env node
/**
 * Writes the OpenAPI document the API serves to dist/openapi.json (or the path given), for `npm run openapi:lint`
 * and for whoever generates a client from it.
 *
 * Boots the built API (dist/, built first if older than the sources) as its own process on a throwaway embedded
 * database, with placeholder tokens, and fetches GET /docs-json: the document exactly as served, not one rebuilt
 * beside it. The API process and its database are gone when this exits, either way.
 */
'use strict';

const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { buildIfNeeded } = require('./build-if-needed');
const { freePort } = require('./free-port');

const ROOT = path.resolve(__dirname, '..');
const MAIN = path.join(ROOT, 'dist', 'apps', 'api', 'src', 'main.js');
const OUTPUT = path.resolve(process.argv[2] ?? path.join(ROOT, 'dist', 'openapi.json'));
const BOOT_TIMEOUT_MS = 60_000;

/** GET /docs-json until the API answers it, or the API exits, or the time is up. */
async function fetchDocument(url, api) {
  const deadline = Date.now() + BOOT_TIMEOUT_MS;
  for (;;) {
    if (api.exitCode !== null) throw new Error(`the API exited (${api.exitCode}) before serving the document`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return await res.json();
      throw new Error(`GET ${url} answered ${res.status}`);
    } catch (error) {
      if (Date.now() > deadline)
        throw new Error(`the API did not serve ${url} within ${BOOT_TIMEOUT_MS / 1000} s: ${error.message}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function main() {
  buildIfNeeded((line) => process.stdout.write(`${line}\n`));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ai-visitor-openapi-'));
  const port = await freePort();
  const env = { ...process.env, API_PORT: String(port), SQLITE_PATH: path.join(dir, 'api.sqlite'), LOG_LEVEL: 'warn' };
  // The embedded database, whatever the caller's environment says; tokens only need to pass validation.
  delete env.DATABASE_URL;
  env.SERVICE_TOKEN = 'openapi-document-service-token';
  env.ADMIN_TOKEN = 'openapi-document-admin-token';
  const api = spawn(process.execPath, [MAIN], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  api.stderr.on('data', (chunk) => (stderr += chunk));
  try {
    const document = await fetchDocument(`http://127.0.0.1:${port}/docs-json`, api);
    fs.mkdirSync(path.dirname(OUTPUT), { recursive: true });
    // Indented, so the lint's line numbers point somewhere readable.
    fs.writeFileSync(OUTPUT, `${JSON.stringify(document, null, 2)}\n`);
    process.stdout.write(`OpenAPI document served by the API written to ${path.relative(process.cwd(), OUTPUT)}\n`);
  } catch (error) {
    if (stderr) process.stderr.write(stderr);
    throw error;
  } finally {
    if (api.exitCode === null) {
      const exited = new Promise((resolve) => api.once('exit', resolve));
      api.kill('SIGTERM');
      await exited;
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`openapi-document: ${error.message}\n`);
  process.exit(1);
});
