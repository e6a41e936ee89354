import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { fromRoot } from '../../package-root.js';

/** Set (to true) by bin/bundle.mjs in the bundles only. */
declare const WISP_BUNDLE: boolean | undefined;

/**
 * The worker's entry file. Workers need JavaScript: the bundled host starts the bundled worker
 * (dist/bundle/worker.mjs); tsc output and TypeScript sources (vitest) start tsc's output (built
 * by `npm run build:ts`, which test setup runs).
 */
export function workerScript(): URL {
  const file =
    typeof WISP_BUNDLE !== 'undefined' ? fromRoot('dist', 'bundle', 'worker.mjs') : fromRoot('dist', 'runtime', 'engine', 'worker', 'main.js');
  if (!existsSync(file)) throw new Error(`worker script ${file} missing: run \`npm run build:ts\``);
  return pathToFileURL(file);
}
