#!/usr/bin/env node
// The CLI runs the compiled TypeScript (npm run build:ts, done by `npm start` and .ci/setup):
// the bundle (dist/bundle/, faster to start) unless tsc's output is newer than it.
// bin/wisp-host starts the host faster still, from a V8 startup snapshot.
import { statSync } from 'node:fs';

const mtime = (rel) => statSync(new URL(rel, import.meta.url), { throwIfNoEntry: false })?.mtimeMs;
const tsc = mtime('../dist/cli/main.js');
const bundle = mtime('../dist/bundle/wisp.mjs');
if (tsc === undefined) {
  process.stderr.write('wisp: not built yet: run `npm run build:ts` (or `npm start`) first\n');
  process.exit(1);
}
await import(bundle !== undefined && bundle >= tsc ? '../dist/bundle/wisp.mjs' : '../dist/cli/main.js');
