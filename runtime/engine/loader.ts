// Artifact -> something that can make instances: the glue's instantiate() and compiled modules,
// or, for commands built from a plain WASI preview1 module (meta.preview1), that one module run
// on Wisp's own preview1 host (the fast path: no adapter, no glue; docs/runtime.md).

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { GLUE_FILE, PREVIEW1_FILE, readMeta, type ArtifactMeta } from '../../compiler/artifact.js';
import type { CompiledArtifact } from './module-cache.js';
import { importExternal } from '../external.js';

// componentize-py's libpython uses extended constant expressions (i32.add in initializers),
// standard wasm 3.0 but behind a flag in Node 20's V8. Process-wide, so workers get it too.
setFlagsFromString('--experimental-wasm-extended-const');
// Validate each function when it is first compiled (lazily, on first call) instead of all of
// them up front: compiling StarlingMonkey's 15 MB core drops from ~24 ms to ~3 ms, and most of
// its functions never run. Invalid code still never runs: its first call throws a CompileError.
setFlagsFromString('--wasm-lazy-validation');

export type InstantiateCore = (module: WebAssembly.Module, imports: WebAssembly.Imports) => WebAssembly.Instance;
export type GlueInstantiate = (
  getCoreModule: (file: string) => WebAssembly.Module,
  imports: Record<string, object>,
  instantiateCore: InstantiateCore,
) => Record<string, unknown>;

/** How instances of an artifact are made: jco's glue over the component's core modules, or
 *  the preview1 module on Wisp's preview1 host. */
export type RunMode = 'component' | 'preview1';

export type LoadedArtifact =
  | { dir: string; meta: ArtifactMeta; mode: 'component'; instantiate: GlueInstantiate }
  | { dir: string; meta: ArtifactMeta; mode: 'preview1' };

/** What deciding and compiling need (no glue): the host's main thread under isolation 'worker'
 *  or 'auto' never instantiates a component, so it never imports its glue. */
export interface ArtifactInfo {
  dir: string;
  meta: ArtifactMeta;
  mode: RunMode;
}

export interface LoadOptions {
  /** Use the preview1 fast path where the artifact has one (default true). */
  preview1?: boolean;
}

/** Reads meta and picks the run mode. */
export async function readArtifact(dir: string, opts: LoadOptions = {}): Promise<ArtifactInfo> {
  const meta = await readMeta(dir);
  return { dir, meta, mode: meta.preview1 && opts.preview1 !== false ? 'preview1' : 'component' };
}

/** Adds what instantiating needs: on the component path, the glue (importing it parses ~27,000
 *  lines for a StarlingMonkey component, ~12 ms; Node keeps it cached per thread). */
export async function withGlue(info: ArtifactInfo): Promise<LoadedArtifact> {
  const { dir, meta } = info;
  if (info.mode === 'preview1') return { dir, meta, mode: 'preview1' };
  const glue = await importExternal<{ instantiate: GlueInstantiate }>(pathToFileURL(join(dir, GLUE_FILE)).href);
  return { dir, meta, mode: 'component', instantiate: glue.instantiate };
}

/** Reads meta and, on the component path, imports the glue. */
export async function loadArtifact(dir: string, opts: LoadOptions = {}): Promise<LoadedArtifact> {
  return withGlue(await readArtifact(dir, opts));
}

/** The core module files instances of this artifact need. */
export function moduleFiles(art: ArtifactInfo): string[] {
  return art.mode === 'preview1' ? [PREVIEW1_FILE] : art.meta.coreModules.map((m) => m.file);
}

// Module files are read into one buffer that lives as long as the thread (it grows to the
// biggest module: 12 MB for StarlingMonkey). A fresh buffer per file cost the page faults of
// first touching it, on top of those of V8's own copy: ~5 ms per StarlingMonkey cold start.
let scratch = new Uint8Array(new ArrayBuffer(0));

function readIntoScratch(path: string): Uint8Array<ArrayBuffer> {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    if (scratch.length < size) scratch = new Uint8Array(new ArrayBuffer(size));
    let at = 0;
    while (at < size) {
      const n = readSync(fd, scratch, at, size - at, at);
      if (n === 0) throw new Error(`${path}: file shrank while reading`);
      at += n;
    }
    return scratch.subarray(0, size);
  } finally {
    closeSync(fd);
  }
}

/**
 * The cold path: read and compile the core modules the artifact's run mode needs. Synchronous
 * on purpose: with lazy compilation and validation, compiling is mostly V8 copying and decoding
 * the bytes, and `new WebAssembly.Module` copies them before the scratch buffer is reused.
 * WebAssembly.compile's hops to V8's background threads cost more than they saved on this
 * loaded 2-core VM (StarlingMonkey read + compile: median 10-12.5 ms async with fresh buffers,
 * 4.8-6.6 ms like this).
 */
export async function compileArtifact(art: ArtifactInfo): Promise<CompiledArtifact> {
  const modules = new Map<string, WebAssembly.Module>();
  let bytes = 0;
  for (const file of moduleFiles(art)) {
    const data = readIntoScratch(join(art.dir, file));
    bytes += data.length;
    modules.set(file, new WebAssembly.Module(data));
  }
  return { modules, bytes };
}
