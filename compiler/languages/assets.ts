// Files front ends ship beside their code (helpers, boot scripts) and the copy of a function's
// sources they hand to a toolchain.

import { existsSync } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BuildError } from '../toolchain.js';

/** A helper file under compiler/languages/, found from sources and from dist/ alike. */
export function asset(rel: string): string {
  for (const base of ['./', '../../../compiler/languages/']) {
    const p = fileURLToPath(new URL(base + rel, import.meta.url));
    if (existsSync(p)) return p;
  }
  throw new BuildError(`Wisp installation incomplete: compiler/languages/${rel} is missing`);
}

/** Copy the function's own files (relative to srcDir) into dest, keeping their layout. */
export async function copySources(srcDir: string, files: string[], dest: string): Promise<void> {
  for (const f of files) {
    await mkdir(dirname(join(dest, f)), { recursive: true });
    await copyFile(join(srcDir, f), join(dest, f));
  }
}
