// Ruby: ruby.wasm 3.4 (@ruby/3.4-wasm-wasi's ruby+stdlib.wasm: a WASI preview1 *reactor* with
// the standard library embedded by wasi-vfs), served as a CGI command like C.
//
// 1. Once per toolchain version (cached under cacheDir/toolchains/ruby): ruby/glue.mjs stubs the
//    JS-interop imports and adds a `_start` that boots Ruby and evaluates
//    `require "/wisp/boot"` (ruby/boot.rb: CGI in, `handle(request)`, CGI out).
// 2. Per function: the function's files (at /app) and boot.rb (at /wisp) are packed into the
//    module's read-only embedded filesystem, exactly as `wasi-vfs pack` does it: wizer runs the
//    module's own `wasi_vfs_pack_fs` with the directories mapped, and snapshots the result. The
//    guest never sees a host directory (Wisp grants no preopens).
// 3. ruby/check.mjs runs the packed module once at build time (node:wasi, own process) with
//    WISP_BUILD_CHECK=1: syntax errors and errors in top-level code fail the build with Ruby's
//    own file:line, mapped back to the source directory.
// 4. jco wraps it into a wasi:cli/run component with the preview1 adapter.
//
// Only Ruby's standard library is available: gems would have to be vendored as plain .rb files.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BuildError, run, type Tool } from '../toolchain.js';
import { commandComponent } from './c.js';
import { asset, copySources } from './assets.js';
import { importExternal } from '../../runtime/external.js';
import type { Frontend } from './frontend.js';
import { uleb128 } from '../leb128.js';

const RUBY_PACKAGE = '@ruby/3.4-wasm-wasi';
const RUBY_MODULE = 'dist/ruby+stdlib.wasm';
/** Bump when ruby/glue.mjs changes: it names the cached base module. */
const GLUE_VERSION = 1;
const ENTRY_CANDIDATES = ['app.rb', 'main.rb'];

// Made on use, not at import: the host's startup snapshot evaluates this module at build time.
const resolveHere = (id: string): string => createRequire(import.meta.url).resolve(id);


/** The package's root directory (its exports map hides package.json: resolve the wasm file). */
function packageRoot(pkg: string, file: string, install: string): string {
  try {
    return dirname(dirname(resolveHere(`${pkg}/${file}`)));
  } catch {
    throw new BuildError(`${pkg} not found: install it with \`${install}\` (or run .ci/setup)`);
  }
}

async function wizerTool(): Promise<Tool> {
  const install = 'npm install -E @bytecodealliance/wizer@10.0.0';
  const name = '@bytecodealliance/wizer';
  try {
    const location = (await importExternal<{ default: string }>(name)).default;
    return { cmd: location, install };
  } catch {
    return { cmd: 'wizer', install };
  }
}

function spawnNode(args: string[], what: string): { status: number; stderr: string } {
  const r = spawnSync(process.execPath, ['--no-warnings', ...args], { encoding: 'utf8', input: '', maxBuffer: 16 << 20 });
  if (r.error) throw new BuildError(`${what}: ${r.error.message}`);
  return { status: r.status ?? 1, stderr: `${r.stderr ?? ''}${r.stdout ?? ''}`.trim() };
}

/** ruby+stdlib.wasm as a command module (step 1), built once per toolchain version. */
async function baseModule(cacheDir: string): Promise<string> {
  const root = packageRoot(RUBY_PACKAGE, RUBY_MODULE, `npm install -E ${RUBY_PACKAGE}@2.10.1`);
  const { version } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { version: string };
  const out = join(cacheDir, 'toolchains', 'ruby', `ruby-${version}-stdlib-glue${GLUE_VERSION}.wasm`);
  if (existsSync(out)) return out;
  await mkdir(dirname(out), { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  const binaryen = pathToFileURL(resolveHere('binaryen')).href;
  const r = spawnNode([asset('ruby/glue.mjs'), binaryen, join(root, RUBY_MODULE), tmp], 'ruby.wasm glue');
  if (r.status !== 0) throw new BuildError(`preparing ruby.wasm failed (ruby/glue.mjs, exit ${r.status})`, r.stderr);
  await rename(tmp, out);
  return out;
}

function entryFile(files: string[], srcDir: string): string {
  const top = files.filter((f) => !f.includes('/') && f.endsWith('.rb'));
  const entry = ENTRY_CANDIDATES.find((c) => top.includes(c)) ?? (top.length === 1 ? top[0] : undefined);
  if (!entry) throw new BuildError(`no entry point in ${srcDir}: expected app.rb`);
  return entry;
}

async function rejectGems(srcDir: string, files: string[]): Promise<void> {
  if (!files.includes('Gemfile')) return;
  const gems = (await readFile(join(srcDir, 'Gemfile'), 'utf8')).split('\n').filter((l) => /^\s*gem\s/.test(l));
  if (gems.length > 0) {
    throw new BuildError(
      `${join(srcDir, 'Gemfile')}: gems are not supported yet (only Ruby's standard library is packed); vendor pure-Ruby code as .rb files`,
      gems.join('\n'),
    );
  }
}

// --- wasm sections: keep only some exports (the reactor API would confuse wit-component) -------

function readU32(buf: Uint8Array, pos: number): [number, number] {
  let result = 0;
  let shift = 0;
  for (;;) {
    const b = buf[pos++]!;
    result |= (b & 0x7f) << shift;
    if ((b & 0x80) === 0) return [result >>> 0, pos];
    shift += 7;
  }
}


export function keepExports(wasm: Uint8Array, keep: string[]): Uint8Array {
  const parts: Uint8Array[] = [wasm.subarray(0, 8)];
  const decoder = new TextDecoder();
  let pos = 8;
  while (pos < wasm.length) {
    const id = wasm[pos]!;
    const [size, start] = readU32(wasm, pos + 1);
    const end = start + size;
    if (id !== 7) {
      parts.push(wasm.subarray(pos, end));
      pos = end;
      continue;
    }
    let [count, p] = readU32(wasm, start);
    const kept: Uint8Array[] = [];
    for (; count > 0; count--) {
      const entryStart = p;
      const [len, nameStart] = readU32(wasm, p);
      const name = decoder.decode(wasm.subarray(nameStart, nameStart + len));
      [, p] = readU32(wasm, nameStart + len + 1); // kind byte, then index
      if (keep.includes(name)) kept.push(wasm.subarray(entryStart, p));
    }
    const body = [Uint8Array.from(uleb128(kept.length)), ...kept];
    const bodyLen = body.reduce((s, b) => s + b.length, 0);
    parts.push(Uint8Array.from([7, ...uleb128(bodyLen)]), ...body);
    pos = end;
  }
  const out = new Uint8Array(parts.reduce((s, b) => s + b.length, 0));
  let o = 0;
  for (const b of parts) {
    out.set(b, o);
    o += b.length;
  }
  return out;
}

/** Ruby's messages name /app/...; show the author's paths instead. */
function authorPaths(text: string, srcDir: string): string {
  return text.replaceAll('/app/', `${srcDir}/`);
}

export const ruby: Frontend = {
  lang: 'ruby',
  sources: ['.rb'],
  markers: ['Gemfile', 'app.rb', 'config.ru'],
  async build({ srcDir, files, workDir, cacheDir }) {
    const entry = entryFile(files, srcDir);
    await rejectGems(srcDir, files);
    const base = await baseModule(cacheDir);

    const appDir = join(workDir, 'app');
    await copySources(srcDir, files, appDir);
    const libDir = join(workDir, 'wisp');
    await mkdir(libDir, { recursive: true });
    await writeFile(join(libDir, 'boot.rb'), (await readFile(asset('ruby/boot.rb'), 'utf8')).replaceAll('{{entry}}', entry));

    // `wasi-vfs pack` (wasi-vfs-cli 0.5), spelled out for the wizer CLI.
    const packed = join(workDir, 'packed.wasm');
    const wizer = await wizerTool();
    run(
      wizer,
      [
        base,
        '--allow-wasi',
        '--init-func', 'wasi_vfs_pack_fs',
        '--inherit-env', 'true',
        '--inherit-stdio', 'true',
        '--keep-init-func', 'false',
        '--wasm-bulk-memory', 'true',
        '-r', '_initialize=__wasi_vfs_rt_init',
        '--mapdir', `/app::${appDir}`,
        '--mapdir', `/wisp::${libDir}`,
        '-o', packed,
      ],
      { cwd: workDir, env: { PATH: process.env.PATH, __WASI_VFS_PACKING: '1' } },
    );
    const core = keepExports(await readFile(packed), ['memory', '_start', 'cabi_realloc']);
    await writeFile(packed, core);

    const check = spawnNode([asset('ruby/check.mjs'), packed], 'ruby check');
    if (check.status !== 0) {
      const details = authorPaths(check.stderr, srcDir);
      throw new BuildError(`Ruby build failed: ${details.split('\n')[0] || `exit ${check.status}`}`, details);
    }
    return commandComponent(core);
  },
};
