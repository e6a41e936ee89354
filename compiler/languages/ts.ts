// TypeScript: esbuild strips the types and bundles the entry with its local modules (and any
// npm packages it imports) into one ES module, which the JS front end then componentizes
// against the wasi:http world. The function is a fetch-event handler, as in JS.
//
// - No type-check: esbuild only parses. Run `tsc --noEmit` yourself for type errors; syntax and
//   resolution errors fail the build with esbuild's own file:line:column diagnostics.
// - tsconfig.json is not required. If present, esbuild honours the fields it understands
//   (paths/baseUrl, experimentalDecorators, useDefineForClassFields, jsx...); everything else,
//   including target and lib, is ignored: output is always ES2022 for StarlingMonkey.
// - `wasi:*` imports stay external (they are the component's imports, e.g. wasi:http/types).

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BuildError } from '../toolchain.js';
import { importExternal } from '../../runtime/external.js';
import type { Frontend } from './frontend.js';
import { componentizeJs, entryOf } from './js.js';

type Esbuild = typeof import('esbuild');

const ESBUILD_INSTALL = 'npm install esbuild@0.28.2';

async function loadEsbuild(): Promise<Esbuild> {
  try {
    return await importExternal<Esbuild>('esbuild');
  } catch {
    throw new BuildError(`esbuild not found: install it with \`${ESBUILD_INSTALL}\` (or run .ci/setup)`);
  }
}

interface EsbuildFailure {
  errors: import('esbuild').Message[];
}

function isFailure(e: unknown): e is EsbuildFailure {
  return typeof e === 'object' && e !== null && Array.isArray((e as EsbuildFailure).errors);
}

/** Bundle a TypeScript entry into one ES module (source text). */
export async function bundleTs(srcDir: string, entry: string): Promise<string> {
  const esbuild = await loadEsbuild();
  try {
    const r = await esbuild.build({
      absWorkingDir: srcDir,
      entryPoints: [entry],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'neutral',
      // neutral has no main fields by default: let npm packages resolve as in a bundler.
      mainFields: ['module', 'main'],
      target: 'es2022',
      external: ['wasi:*'],
      logLevel: 'silent',
      charset: 'utf8',
    });
    const out = r.outputFiles[0];
    // TypeScript drops imports used only as types, so e.g. a lone unused import bundles to nothing.
    if (!out || out.text.trim() === '') throw new BuildError(`${entry} has no code once types are stripped: a function calls addEventListener('fetch', ...)`);
    return out.text;
  } catch (e) {
    if (!isFailure(e)) throw e;
    const lines = e.errors.map((m) => {
      const loc = m.location;
      const where = loc ? `${loc.file}:${loc.line}:${loc.column + 1}: ` : '';
      const src = loc?.lineText ? `\n    ${loc.lineText}` : '';
      return `${where}error: ${m.text}${src}`;
    });
    throw new BuildError(`esbuild failed to compile ${entry} (${e.errors.length} error${e.errors.length === 1 ? '' : 's'})`, lines.join('\n'));
  }
}

export const ts: Frontend = {
  lang: 'ts',
  sources: ['.ts', '.mts'],
  async build({ srcDir, files, workDir, cacheDir }) {
    const entry = entryOf(
      files.filter((f) => !f.endsWith('.d.ts')),
      ['index.ts', 'index.mts', 'main.ts', 'src/index.ts'],
    );
    if (!entry) throw new BuildError(`no entry point in ${srcDir}: expected index.ts`);
    const out = join(workDir, 'index.js');
    await writeFile(out, await bundleTs(srcDir, entry));
    return componentizeJs(out, cacheDir);
  },
};
