// Where the Wisp checkout is. Code runs from three places — TypeScript sources (vitest), tsc's
// output under dist/, and the esbuild bundles under dist/bundle/ (what `wisp up` runs, for start
// time) — so files beside the sources (console assets, templates, front-end helpers) are found
// from the package root, never from a path relative to the running module.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/** The directory holding Wisp's package.json. */
export function packageRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'wisp') return (root = dir);
    const up = dirname(dir);
    if (up === dir) throw new Error(`wisp: package root not found above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

/** A file or directory of the source tree, e.g. fromRoot('compiler', 'templates'). */
export const fromRoot = (...parts: string[]): string => join(packageRoot(), ...parts);
