// Files front ends ship beside their code (helpers, boot scripts) and the copy of a function's
// sources they hand to a toolchain.

import { existsSync } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fromRoot } from '../../runtime/package-root.js';
import { BuildError } from '../toolchain.js';

/** A helper file under compiler/languages/ (in the source tree, whatever runs the code). */
export function asset(rel: string): string {
  const p = fromRoot('compiler', 'languages', rel);
  if (!existsSync(p)) throw new BuildError(`Wisp installation incomplete: compiler/languages/${rel} is missing`);
  return p;
}

/** Copy the function's own files (relative to srcDir) into dest, keeping their layout. */
export async function copySources(srcDir: string, files: string[], dest: string): Promise<void> {
  for (const f of files) {
    await mkdir(dirname(join(dest, f)), { recursive: true });
    await copyFile(join(srcDir, f), join(dest, f));
  }
}
