// JavaScript: componentize-js (SpiderMonkey/StarlingMonkey) against the wasi:http world. The
// function is a fetch-event handler (`addEventListener('fetch', ...)`), the same code that runs
// on Spin or wasmtime serve.

import { join } from 'node:path';
import { BuildError } from '../toolchain.js';
import { HTTP_WORLD, httpWitDir } from '../wit.js';
import { importExternal } from '../../runtime/external.js';
import type { Frontend } from './frontend.js';

export function entryOf(files: string[], candidates: string[]): string | undefined {
  return candidates.find((c) => files.includes(c)) ?? (files.length === 1 ? files[0] : undefined);
}

export async function componentizeJs(entryPath: string, cacheDir: string): Promise<Uint8Array> {
  // Loaded on first use, like every toolchain: importing the compiler must stay cheap.
  const { componentize } = await importExternal<typeof import('@bytecodealliance/componentize-js')>('@bytecodealliance/componentize-js');
  try {
    const { component } = await componentize({
      sourcePath: entryPath,
      witPath: await httpWitDir(cacheDir),
      worldName: HTTP_WORLD,
    });
    return component;
  } catch (e) {
    throw new BuildError(`componentize-js failed for ${entryPath}`, e instanceof Error ? e.message : String(e));
  }
}

export const js: Frontend = {
  lang: 'js',
  sources: ['.js', '.mjs'],
  async build({ srcDir, files, cacheDir }) {
    const entry = entryOf(files, ['index.js', 'index.mjs', 'main.js']);
    if (!entry) throw new BuildError(`no entry point in ${srcDir}: expected index.js`);
    return componentizeJs(join(srcDir, entry), cacheDir);
  },
};
