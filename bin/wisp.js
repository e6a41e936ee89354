#!/usr/bin/env node
// The CLI runs the compiled TypeScript (npm run build:ts, done by `npm start` and .ci/setup).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write('wisp: not built yet: run `npm run build:ts` (or `npm start`) first\n');
  process.exit(1);
}
await import(main.href);
