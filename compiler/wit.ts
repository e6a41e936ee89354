// The WIT that JS/TS functions are componentized against: the wasi:http proxy interfaces at
// 0.2.10. componentize-js 0.23 (StarlingMonkey) links wasi 0.2.10 and failed with jco's bundled
// 0.2.12 WIT (DESIGN.md), so the 0.2.12 files shipped in jco are rewritten to 0.2.10 once.

import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export const WASI_VERSION = '0.2.10';
export const HTTP_WORLD = 'wisp-http';

const WORLD = `package wisp:fn;

world ${HTTP_WORLD} {
  export wasi:http/incoming-handler@${WASI_VERSION};
}
`;

function jcoBuiltinWit(): string {
  const api = createRequire(import.meta.url).resolve('@bytecodealliance/jco');
  return join(dirname(api), '..', 'lib', 'wit', 'builtin', '0.2.12');
}

/** Materialize the WIT package under cacheDir (idempotent); returns its directory. */
export async function httpWitDir(cacheDir: string): Promise<string> {
  const dir = join(cacheDir, `wit-${WASI_VERSION}`);
  if (existsSync(join(dir, 'world.wit'))) return dir;
  const tmp = `${dir}.${process.pid}.tmp`;
  const src = jcoBuiltinWit();
  for (const pkg of await readdir(src)) {
    await mkdir(join(tmp, 'deps', pkg), { recursive: true });
    for (const f of await readdir(join(src, pkg))) {
      if (!f.endsWith('.wit')) continue;
      const text = await readFile(join(src, pkg, f), 'utf8');
      await writeFile(join(tmp, 'deps', pkg, f), text.replaceAll('@0.2.12', `@${WASI_VERSION}`));
    }
  }
  await writeFile(join(tmp, 'world.wit'), WORLD);
  await mkdir(dirname(dir), { recursive: true });
  // Rename last so a concurrent or interrupted build never sees half a package.
  await rename(tmp, dir).catch((e: NodeJS.ErrnoException) => {
    if (!existsSync(join(dir, 'world.wit'))) throw e;
  });
  return dir;
}
