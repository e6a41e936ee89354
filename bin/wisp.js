#!/usr/bin/env node
// The CLI runs the compiled TypeScript (npm run build:ts, done by `npm start` and .ci/setup):
// the bundle (dist/bundle/, faster to start) unless tsc's output is newer than it.
import { statSync } from 'node:fs';

const mtime = (rel) => statSync(new URL(rel, import.meta.url), { throwIfNoEntry: false })?.mtimeMs;
const tsc = mtime('../dist/cli/main.js');
const bundle = mtime('../dist/bundle/wisp.mjs');
if (tsc === undefined) {
  process.stderr.write('wisp: not built yet: run `npm run build:ts` (or `npm start`) first\n');
  process.exit(1);
}
const bundled = bundle !== undefined && bundle >= tsc;
if (process.argv[2] === 'up') {
  // The host's first worker boots while the rest of the host loads (runtime/engine/worker/early.ts).
  const early = await import(bundled ? '../dist/bundle/early.mjs' : '../dist/runtime/engine/worker/early.js');
  early.startWorkersEarly(1);
}
await import(bundled ? '../dist/bundle/wisp.mjs' : '../dist/cli/main.js');
