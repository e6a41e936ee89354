// C: clang + wasi-libc (Debian: clang-14, lld-14, wasi-libc, libclang-rt-14-dev-wasm32) build a
// WASI preview1 command; jco wraps it into a wasi:cli/run component with the preview1 adapter.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '../toolchain.js';
import { importExternal } from '../../runtime/external.js';
import type { Frontend } from './frontend.js';

export const clang = { cmd: 'clang-14', install: 'apt-get install clang-14 lld-14 wasi-libc libclang-rt-14-dev-wasm32' };

export const c: Frontend = {
  lang: 'c',
  sources: ['.c', '.h'],
  async build({ srcDir, files, workDir }) {
    const out = join(workDir, 'main.wasm');
    const cfiles = files.filter((f) => f.endsWith('.c'));
    run(clang, ['--target=wasm32-wasi', '-O2', '-Wl,--strip-debug', '-o', out, ...cfiles], { cwd: srcDir });
    return commandComponent(await readFile(out));
  },
};

/** Wrap a preview1 command module into a component (the wasi:cli/run shape). */
export async function commandComponent(core: Uint8Array): Promise<Uint8Array> {
  // jco loads on first use: a host seeding cached artifacts never needs it (~0.5 s to import).
  const { componentNew, preview1AdapterCommandPath } = await importExternal<typeof import('@bytecodealliance/jco')>('@bytecodealliance/jco');
  const adapter = await readFile(preview1AdapterCommandPath());
  return componentNew(core, [['wasi_snapshot_preview1', adapter]]);
}
