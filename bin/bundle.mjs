#!/usr/bin/env node
// Bundles tsc's output (dist/) into dist/bundle/: the CLI (wisp.mjs) and the executor worker
// (worker.mjs, early.mjs), with code splitting so the compiler's lazy imports stay lazy. Why: Node 20 has no
// compile cache for ES modules and resolving ~150 small files cost most of the host's start
// (importing runtime/host.js took 66–80 ms, the bundle ~20 ms; measurements in docs/bench.md).
// Packages with native code, wasm payloads or their own lazy loading stay external.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const outdir = `${root}dist/bundle`;

/** `wisp bench` loads the bench suite from dist/ as it is (it finds its peers beside itself). */
const benchOutside = {
  name: 'bench-outside',
  setup(b) {
    b.onResolve({ filter: /\/bench\/index\.js$/ }, () => ({ path: '../bench/index.js', external: true }));
  },
};

rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: {
    wisp: `${root}dist/cli/main.js`,
    worker: `${root}dist/runtime/engine/worker/main.js`,
    // bin/wisp.js starts a worker before loading the host; shared with wisp.mjs through a chunk.
    early: `${root}dist/runtime/engine/worker/early.js`,
  },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  // No keepNames: its __name() calls ran on every closure created per request (~2 % of the
  // main thread under load). Errors are told apart by their own `name` fields, never by
  // constructor names.
  define: { WISP_BUNDLE: 'true' },
  // better-sqlite3's JS is bundled; its addon is loaded by path (runtime/registry/db.ts).
  external: ['*.node', 'binaryen', 'esbuild', 'assemblyscript', 'assemblyscript/*', '@bytecodealliance/*', '@ruby/*', '@assemblyscript/*'],
  plugins: [benchOutside],
  // Bundled CommonJS (if any) may call require().
  banner: { js: "import { createRequire as __wispCreateRequire } from 'node:module'; const require = __wispCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
