'use strict';
// Preloaded (-r) into the bench's child processes: maps the `@app/<lib>` imports of the compiled apps to
// <BENCH_BUILD_DIR>/libs/<lib>/src, as tsconfig.json's `paths` do for the TypeScript sources.
// (Harmless for dist/, whose imports the nest build already rewrote to relative paths.)
const tsConfigPaths = require('tsconfig-paths');

const baseUrl = process.env.BENCH_BUILD_DIR;
if (!baseUrl) throw new Error('BENCH_BUILD_DIR is not set');
tsConfigPaths.register({ baseUrl, paths: { '@app/*': ['libs/*/src'] }, addMatchAll: false });
