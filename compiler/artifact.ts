// A built function, as the runtime loads it: jco's instantiation-mode glue plus the core
// modules it instantiates, transpiled once at build time so a cold start only compiles.
//
// <dir>/meta.json        what the runtime needs to know without parsing anything else
// <dir>/component.wasm   the original component (portable: runs on wasmtime / Spin too)
// <dir>/component.mjs    jco glue: instantiate(getCoreModule, imports, instantiateCore)
// <dir>/component.core*.wasm  fuel- and memory-instrumented (compiler/fuel, docs/fuel.md)

import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { transpile } from '@bytecodealliance/jco';
import { FuelInstrumentError, instrumentFuel } from './fuel/instrument.js';
import { BuildError } from './toolchain.js';

/** Bump when the layout, the glue patch or the fuel pass (compiler/fuel) changes: it is part
 *  of every artifact's cache key, so old artifacts are rebuilt rather than reused. */
export const ARTIFACT_FORMAT = 4;

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
  builtAt: string;
}

export const GLUE_FILE = 'component.mjs';

// jco 1.35 lowers an empty string as (ptr 1, len 0) without calling the guest's allocator. The
// preview1 adapter lays environment strings out back to back from its allocations, so an empty
// value (QUERY_STRING="" on every request without a query) made getenv return the *next*
// variable. Allocating zero bytes like wasmtime does keeps the layout right.
const EMPTY_STRING_SHORTCUT = 'if (s.length === 0) { return { ptr: 1, len: 0 }; }';

function patchGlue(text: string): string {
  return text.replaceAll(EMPTY_STRING_SHORTCUT, '');
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
    builtAt: new Date().toISOString(),
  };
  // Write beside the target and rename: a reader never sees a half-written artifact.
  const tmp = `${dir}.${randomBytes(4).toString('hex')}.tmp`;
  await mkdir(tmp, { recursive: true });
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
    if (file.endsWith('.wasm')) meta.coreModules.push({ file, bytes: bytes.length });
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
  if (meta.format !== ARTIFACT_FORMAT) throw new Error(`artifact ${dir} has format ${meta.format}, expected ${ARTIFACT_FORMAT}: rebuild it`);
  return meta;
}
