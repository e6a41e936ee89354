import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The worker's entry file. Workers need JavaScript: from compiled code it sits beside this
 * file; from TypeScript sources (vitest), it is the tsc output under dist/ (built by
 * `npm run build:ts`, which test setup runs).
 */
export function workerScript(): URL {
  const here = import.meta.url;
  const url = here.endsWith('.js') ? new URL('./main.js', here) : new URL('../../../dist/runtime/engine/worker/main.js', here);
  if (!existsSync(fileURLToPath(url))) throw new Error(`worker script ${fileURLToPath(url)} missing: run \`npm run build:ts\``);
  return url;
}
