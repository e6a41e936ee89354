// A built function, as the runtime loads it: jco's instantiation-mode glue plus the core
// modules it instantiates, transpiled once at build time so a cold start only compiles.
//
// <dir>/meta.json        what the runtime needs to know without parsing anything else
// <dir>/component.wasm   the original component (portable: runs on wasmtime / Spin too)
// <dir>/component.mjs    jco glue: instantiate(getCoreModule, imports, instantiateCore)
// <dir>/component.core*.wasm  fuel- and memory-instrumented (compiler/fuel, docs/fuel.md)
// <dir>/preview1.wasm    commands made from a plain WASI preview1 module (C, Rust, Go,
//                        AssemblyScript: `jco new --wasi-command`): that module alone, instrumented
//                        the same way, which the runtime runs on its own preview1 host without the
//                        adapter and the glue (the fast path, docs/runtime.md); it imports its
//                        memory (memory-import.ts) and, where it qualifies, exports what a reset
//                        of an instance needs (instance-reset.ts)
// <dir>/component.core*.restore.wasm  for a core module with a big initial memory image
//                        (StarlingMonkey, CPython): the image, which the runtime copies into a
//                        pooled memory the module imports (meta.snapshots, compiler/snapshot.ts)

import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { isPreview1Command } from '../runtime/wasi/preview1/abi.js';
import { prepareReset } from './instance-reset.js';
import { importMemory } from './memory-import.js';
// jco and the fuel pass (binaryen) are loaded on first build only: the runtime (and every
// executor worker it boots) imports this file for readMeta, and those two took ~0.5 s to import.
const buildTools = async () => {
  const fuel = await import('./fuel/instrument.js');
  await fuel.loadBinaryen();
  return {
    transpile: (await importExternal<typeof import('@bytecodealliance/jco')>('@bytecodealliance/jco')).transpile,
    ...fuel,
    ...(await import('./snapshot.js')),
  };
};
import { patchSyncImports } from './glue-sync-imports.js';
import { BuildError } from './toolchain.js';
import { importExternal } from '../runtime/external.js';

/** Bump when the layout, the glue patch or the fuel pass (compiler/fuel) changes: it is part
 *  of every artifact's cache key, so old artifacts are rebuilt rather than reused. */
export const ARTIFACT_FORMAT = 13;

/** Older formats the runtime still runs (same layout, fewer files). */
const READABLE_FORMATS = [4, 5, 6, 7, 8, 9, 10, 11, 12, ARTIFACT_FORMAT];

export type Shape = 'http' | 'command';

export interface ArtifactMeta {
  format: number;
  shape: Shape;
  lang: string;
  /** Content hash of the inputs (sources + toolchain identity) or of the component. */
  hash: string;
  /** Exported interface names, e.g. wasi:http/incoming-handler@0.2.10. */
  exports: string[];
  /** Core modules in the order jco names them, with sizes (the module cache budgets by size). */
  coreModules: { file: string; bytes: number }[];
  componentBytes: number;
  /** Core modules carry the fuel counter and memory/table grow checks (compiler/fuel). */
  instrumented: boolean;
  /** Time the instrumentation pass took, all modules (build-time cost). */
  instrumentMs: number;
  /** A command whose main module is a plain WASI preview1 module: PREVIEW1_FILE holds it
   *  (instrumented), runnable without the adapter and the glue. */
  preview1: boolean;
  /** Core modules whose memory is imported and restored from a snapshot (compiler/snapshot.ts):
   *  `module` is the file the glue instantiates, `restore` the file that rewrites its memory. */
  snapshots: MemorySnapshotMeta[];
  /** PREVIEW1_FILE can be reset in place between invocations (compiler/instance-reset.ts):
   *  true, or why not. Absent before format 13. */
  resettable?: true | string;
  builtAt: string;
}

export interface MemorySnapshotMeta {
  module: string;
  restore: string;
  initialPages: number;
  maximumPages?: number;
  imageBytes: number;
}

export const GLUE_FILE = 'component.mjs';
export const PREVIEW1_FILE = 'preview1.wasm';

// jco 1.35 lowers an empty string as (ptr 1, len 0) without calling the guest's allocator. The
// preview1 adapter lays environment strings out back to back from its allocations, so an empty
// value (QUERY_STRING="" on every request without a query) made getenv return the *next*
// variable. Allocating zero bytes like wasmtime does keeps the layout right.
const EMPTY_STRING_SHORTCUT = 'if (s.length === 0) { return { ptr: 1, len: 0 }; }';

// jco 1.35 probes JSPI per instance with `try { WebAssembly.promising(f) } catch { f }`. Node 20
// has no WebAssembly.promising, and V8 renders "... is not a function" by re-parsing the
// enclosing function: the ~27,000-line instantiate generator of a StarlingMonkey component, so
// each probe cost ~6 ms, 12 of a ~19 ms warm start. Calling an identity instead when the API is
// missing does what the catch did, without the throw.
const PROMISING_PROBE = 'WebAssembly.promising(';
const PROMISING_GUARDED = '(WebAssembly.promising ?? ((f) => f))(';

// The glue's debug logger reads process.env.JCO_DEBUG on every call (hundreds per request; a
// process.env read is a getenv through an interceptor). Read it once per instantiation instead.
const DEBUG_LOG_PER_CALL = 'const _debugLog = (...args) => {\n    if (!globalThis?.process?.env?.JCO_DEBUG) { return; }';
const DEBUG_LOG_PER_INSTANCE =
  'const _jcoDebug = !!globalThis?.process?.env?.JCO_DEBUG;\n  const _debugLog = (...args) => {\n    if (!_jcoDebug) { return; }';

/** `_debugLog(...)` statements (~380 in a wasi:http glue, several per host call) build their
 *  arguments (object literals) even when debugging is off: ~0.1–0.2 ms of a 1.3 ms prewarmed JS
 *  request. Guarded by the per-instance flag, they cost nothing unless JCO_DEBUG is set. */
const DEBUG_LOG_STATEMENT = /^([ \t]*)_debugLog\(/gm;

export function patchGlue(text: string): string {
  const patched = text
    .replaceAll(EMPTY_STRING_SHORTCUT, '')
    .replaceAll(PROMISING_PROBE, PROMISING_GUARDED)
    .replaceAll(DEBUG_LOG_PER_CALL, DEBUG_LOG_PER_INSTANCE);
  // Only where the flag exists (the line above matched this jco's glue).
  const quiet = patched.includes(DEBUG_LOG_PER_INSTANCE) ? patched.replace(DEBUG_LOG_STATEMENT, '$1_jcoDebug && _debugLog(') : patched;
  return patchSyncImports(quiet);
}

function shapeOf(exports: string[]): Shape {
  if (exports.some((e) => e.startsWith('wasi:http/incoming-handler@'))) return 'http';
  if (exports.some((e) => e.startsWith('wasi:cli/run@'))) return 'command';
  throw new BuildError(
    `component exports neither wasi:http/incoming-handler nor wasi:cli/run (exports: ${exports.join(', ') || 'none'})`,
  );
}

const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d];

/** A component (not a core module) starts with the wasm magic and layer 1. */
export function isComponent(bytes: Uint8Array): boolean {
  return WASM_MAGIC.every((b, i) => bytes[i] === b) && bytes[6] === 0x01 && bytes[7] === 0x00;
}

export async function writeArtifact(component: Uint8Array, dir: string, lang: string, hash: string): Promise<ArtifactMeta> {
  if (!isComponent(component)) throw new BuildError('not a WebAssembly component (wrong magic or layer)');
  const { transpile, instrumentFuel, FuelInstrumentError, splitMemorySnapshot } = await buildTools();
  let out: Awaited<ReturnType<typeof transpile>>;
  try {
    out = await transpile(component, { name: 'component', instantiation: 'sync', noTypescript: true, quiet: true });
  } catch (e) {
    throw new BuildError('invalid component: jco could not transpile it', e instanceof Error ? e.message : String(e));
  }
  const exports = out.exports.map(([name]) => name);
  const meta: ArtifactMeta = {
    format: ARTIFACT_FORMAT,
    shape: shapeOf(exports),
    lang,
    hash,
    exports,
    coreModules: [],
    componentBytes: component.length,
    instrumented: true,
    instrumentMs: 0,
    preview1: false,
    snapshots: [],
    builtAt: new Date().toISOString(),
  };
  // Write beside the target and rename: a reader never sees a half-written artifact.
  const tmp = `${dir}.${randomBytes(4).toString('hex')}.tmp`;
  await mkdir(tmp, { recursive: true });
  const preview1Main = meta.shape === 'command' ? preview1MainModule(out.files) : undefined;
  for (let [name, bytes] of Object.entries(out.files)) {
    if (name.endsWith('.d.ts')) continue;
    const isGlue = name === 'component.js';
    const file = isGlue ? GLUE_FILE : name;
    if (isGlue) bytes = new TextEncoder().encode(patchGlue(new TextDecoder().decode(bytes)));
    if (file.endsWith('.wasm')) {
      try {
        const r = instrumentFuel(bytes);
        bytes = r.wasm;
        meta.instrumentMs += r.stats.ms;
      } catch (e) {
        if (e instanceof FuelInstrumentError) throw new BuildError(`cannot apply Wisp's limits to ${file}: ${e.message}`);
        throw e;
      }
    }
    if (file.endsWith('.wasm') && name !== preview1Main) {
      // Only the component path's modules: the preview1 fast path imports its memory empty
      // and takes it from a pool of zeroed ones (compiler/memory-import.ts).
      const split = splitMemorySnapshot(bytes);
      if (split) {
        const restore = file.replace(/\.wasm$/, '.restore.wasm');
        await writeFile(join(tmp, restore), split.restore);
        meta.coreModules.push({ file: restore, bytes: split.restore.length });
        const { initialPages, maximumPages, imageBytes } = split;
        meta.snapshots.push({ module: file, restore, initialPages, maximumPages, imageBytes });
        bytes = split.module;
      }
    }
    if (file.endsWith('.wasm')) meta.coreModules.push({ file, bytes: bytes.length });
    if (name === preview1Main) {
      // The module the component embeds, with the same instrumentation, importing its memory
      // so that instances can run on pooled ones (compiler/memory-import.ts).
      await writeFile(join(tmp, PREVIEW1_FILE), preview1Module(bytes, meta));
      meta.preview1 = true;
    }
    await mkdir(dirname(join(tmp, file)), { recursive: true });
    await writeFile(join(tmp, file), bytes);
  }
  await writeFile(join(tmp, 'component.wasm'), component);
  await writeFile(join(tmp, 'meta.json'), JSON.stringify(meta, null, 2));
  // Durable before visible: a registry may point at this artifact right after we return.
  for (const f of await readdir(tmp)) await fsyncPath(join(tmp, f));
  await fsyncPath(tmp);
  await mkdir(dirname(dir), { recursive: true });
  try {
    await rename(tmp, dir);
    await fsyncPath(dirname(dir));
  } catch (e) {
    // Another build of the same inputs won the race: its artifact is identical, keep it.
    await rm(tmp, { recursive: true, force: true });
    if (!existsSync(join(dir, 'meta.json'))) throw e;
  }
  return meta;
}

/** The fast path's module: importing its memory and, where it qualifies, resettable. */
function preview1Module(bytes: Uint8Array, meta: ArtifactMeta): Uint8Array {
  const pooled = importMemory(bytes);
  if (!pooled) {
    meta.resettable = 'its memory is not pooled';
    return bytes;
  }
  const reset = prepareReset(pooled);
  meta.resettable = 'module' in reset ? true : reset.reason;
  return 'module' in reset ? reset.module : pooled;
}

/**
 * The file name of a command component's main module when it is a plain WASI preview1 module
 * wrapped by the preview1 adapter (what `jco new --wasi-command` / commandComponent() makes):
 * exactly one core module imports only wasi_snapshot_preview1 functions and exports _start and
 * memory, and another one (the adapter) imports the main module (`__main_module__`). Anything
 * else (wit-bindgen guests, composed or virtualised components) keeps the component path only.
 */
function preview1MainModule(files: Record<string, Uint8Array>): string | undefined {
  const mains: string[] = [];
  let adapter = false;
  for (const [name, bytes] of Object.entries(files)) {
    if (!name.endsWith('.wasm')) continue;
    let module: WebAssembly.Module;
    try {
      module = new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
    } catch {
      return undefined; // e.g. features this Node does not validate: no fast path, no harm
    }
    if (WebAssembly.Module.imports(module).some((i) => i.module === '__main_module__')) adapter = true;
    if (isPreview1Command(module)) mains.push(name);
  }
  return adapter && mains.length === 1 ? mains[0] : undefined;
}

async function fsyncPath(p: string): Promise<void> {
  const fh = await open(p, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export async function readMeta(dir: string): Promise<ArtifactMeta> {
  const meta = JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8')) as ArtifactMeta;
  // Formats 4 and 5 differ only by lacking preview1.wasm (4) or missing it for Go modules with
  // renamed duplicate imports (5): such artifacts (e.g. pinned by a registry from before the
  // upgrade) keep running, on the component path where they have no preview1 module. Format 6
  // lacks the glue patches and memory snapshots: slower starts, same behaviour.
  if (!READABLE_FORMATS.includes(meta.format)) {
    throw new Error(`artifact ${dir} has format ${meta.format}, expected ${ARTIFACT_FORMAT}: rebuild it`);
  }
  meta.preview1 = meta.preview1 === true;
  // Before format 8 (7 only existed in development builds) modules kept their data segments.
  meta.snapshots ??= [];
  return meta;
}
