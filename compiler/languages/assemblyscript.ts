// AssemblyScript: asc (in-process API) with @assemblyscript/wasi-shim, which points
// AssemblyScript's console, process, Date, crypto and abort at WASI preview1, producing a WASI
// command (`_start`); jco wraps it into a wasi:cli/run component like C (commandComponent). The
// function is served CGI-style: process.env holds REQUEST_METHOD, PATH_INFO, QUERY_STRING,
// CONTENT_TYPE, CONTENT_LENGTH, HTTP_*; process.stdin.read() the body; process.stdout.write()
// the header lines, a blank line and the body.
//
// Detected by its asconfig.json only (a bare .ts file is TypeScript). The project's
// asconfig.json is honoured (entries, options, targets: "release" by default); the shim's
// options are always added on top, the output goes to memory (nothing is written into the
// source directory), and without `entries` the entry is assembly/index.ts or index.ts.

import { readFile, readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { BuildError } from '../toolchain.js';
import { commandComponent } from './c.js';
import { importExternal } from '../../runtime/external.js';
import type { Frontend } from './frontend.js';
import { entryOf } from './js.js';

type Asc = typeof import('assemblyscript/asc');

const INSTALL = 'npm install assemblyscript@0.28.20 @assemblyscript/wasi-shim@0.1.0';
const CONFIG = 'asconfig.json';
const OUT = 'wisp-out.wasm';

function missing(what: string): BuildError {
  return new BuildError(`${what} not found: install it with \`${INSTALL}\` (or run .ci/setup)`);
}

async function loadAsc(): Promise<Asc> {
  try {
    return await importExternal<Asc>('assemblyscript/asc');
  } catch {
    throw missing('assemblyscript (asc)');
  }
}

interface ShimOptions {
  lib?: string | string[];
  use?: string[];
  exportStart?: string;
}

/** The shim's own asconfig.json, turned into asc arguments (its lib made absolute). */
async function shimArgs(): Promise<string[]> {
  let configPath: string;
  try {
    configPath = createRequire(import.meta.url).resolve('@assemblyscript/wasi-shim/asconfig.json');
  } catch {
    throw missing('@assemblyscript/wasi-shim');
  }
  const opts = (JSON.parse(await readFile(configPath, 'utf8')) as { options?: ShimOptions }).options ?? {};
  const args: string[] = [];
  for (const lib of [opts.lib ?? []].flat()) args.push('--lib', join(dirname(configPath), lib));
  for (const use of opts.use ?? []) args.push('--use', use);
  args.push('--exportStart', opts.exportStart ?? '_start');
  return args;
}

const resolveIn = (name: string, baseDir: string) => (isAbsolute(name) ? name : join(baseDir, name));

// The preview1 adapter allocates its state through the main module's `cabi_realloc`; without
// one, wit-component gives it pages from memory.grow, which AssemblyScript's allocator then
// takes for its own heap (it claims everything up to memory.size) and overwrites: the adapter
// fails an assertion on the first environ or stdin call. So every module exports a
// cabi_realloc backed by AssemblyScript's raw (not garbage-collected) heap, from an extra entry
// file that exists only in memory, unless the sources define their own.
const CABI_FILE = '__wisp_cabi_realloc.ts';
const CABI_SOURCE = `export function cabi_realloc(ptr: usize, oldSize: usize, align: usize, newSize: usize): usize {
  return ptr ? heap.realloc(ptr, newSize) : heap.alloc(newSize);
}
`;

export const assemblyscript: Frontend = {
  lang: 'assemblyscript',
  // Only the marker identifies AssemblyScript: .ts files without an asconfig.json are TypeScript.
  sources: [],
  markers: [CONFIG],
  async build({ srcDir, files }) {
    const asc = await loadAsc();
    let hasEntries = false;
    if (files.includes(CONFIG)) {
      try {
        const cfg = JSON.parse(await readFile(join(srcDir, CONFIG), 'utf8')) as { entries?: unknown };
        hasEntries = Array.isArray(cfg.entries) && cfg.entries.length > 0;
      } catch (e) {
        throw new BuildError(`${join(srcDir, CONFIG)}: invalid JSON`, (e as Error).message);
      }
    }
    const entries: string[] = [];
    if (!hasEntries) {
      const entry = entryOf(
        files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')),
        ['assembly/index.ts', 'index.ts'],
      );
      if (!entry) throw new BuildError(`no entry point in ${srcDir}: expected assembly/index.ts (or "entries" in ${CONFIG})`);
      entries.push(entry);
    }
    let definesRealloc = false;
    for (const f of files.filter((f) => f.endsWith('.ts'))) {
      if ((await readFile(join(srcDir, f), 'utf8')).includes('cabi_realloc')) definesRealloc = true;
    }
    const args = [
      ...entries,
      ...(definesRealloc ? [] : [CABI_FILE]),
      '--baseDir', srcDir,
      // A missing config is fine for asc; --config pins it to the project's, not a stray one.
      '--config', files.includes(CONFIG) ? CONFIG : '__wisp_no_asconfig.json',
      ...(await shimArgs()),
      '--outFile', OUT,
      '--optimize',
      '--noColors',
    ];
    let binary: Uint8Array | undefined;
    const stdout = asc.createMemoryStream();
    const stderr = asc.createMemoryStream();
    const r = await asc.main(args, {
      stdout,
      stderr,
      readFile: async (name, baseDir) => {
        if (basename(name) === CABI_FILE) return CABI_SOURCE;
        try {
          return await readFile(resolveIn(name, baseDir), 'utf8');
        } catch {
          return null;
        }
      },
      // asc joins an absolute --lib onto baseDir when listing it: resolve absolute paths here.
      listFiles: async (dir, baseDir) => {
        try {
          return (await readdir(resolveIn(dir, baseDir))).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
        } catch {
          return null;
        }
      },
      // Keep the binary; drop anything else a project config asks for (.wat, bindings).
      writeFile: (name, contents) => {
        if (name === OUT || name.endsWith(`/${OUT}`)) binary = typeof contents === 'string' ? new TextEncoder().encode(contents) : contents;
      },
    });
    const diagnostics = `${stderr.toString()}${stdout.toString()}`.trim();
    if (r.error) throw new BuildError(`asc failed to compile ${entries[0] ?? CONFIG} in ${srcDir}`, diagnostics || r.error.message);
    if (!binary) throw new BuildError(`asc produced no WebAssembly for ${srcDir}`, diagnostics);
    return commandComponent(binary);
  },
};
