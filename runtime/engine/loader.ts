// Artifact -> something that can make instances: the glue's instantiate() and compiled modules,
// or, for commands built from a plain WASI preview1 module (meta.preview1), that one module run
// on Wisp's own preview1 host (the fast path: no adapter, no glue; docs/runtime.md).

import { readFile } from 'node:fs/promises';
import { setFlagsFromString } from 'node:v8';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { GLUE_FILE, PREVIEW1_FILE, readMeta, type ArtifactMeta } from '../../compiler/artifact.js';
import type { CompiledArtifact } from './module-cache.js';

// componentize-py's libpython uses extended constant expressions (i32.add in initializers),
// standard wasm 3.0 but behind a flag in Node 20's V8. Process-wide, so workers get it too.
setFlagsFromString('--experimental-wasm-extended-const');

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

export interface LoadOptions {
  /** Use the preview1 fast path where the artifact has one (default true). */
  preview1?: boolean;
}

/** Reads meta and, on the component path, imports the glue (Node keeps it cached per process). */
export async function loadArtifact(dir: string, opts: LoadOptions = {}): Promise<LoadedArtifact> {
  const meta = await readMeta(dir);
  if (meta.preview1 && opts.preview1 !== false) return { dir, meta, mode: 'preview1' };
  const glue = (await import(pathToFileURL(join(dir, GLUE_FILE)).href)) as { instantiate: GlueInstantiate };
  return { dir, meta, mode: 'component', instantiate: glue.instantiate };
}

/** The core module files instances of this artifact need. */
export function moduleFiles(art: LoadedArtifact): string[] {
  return art.mode === 'preview1' ? [PREVIEW1_FILE] : art.meta.coreModules.map((m) => m.file);
}

/** The cold path: read and compile the core modules the artifact's run mode needs. */
export async function compileArtifact(art: LoadedArtifact): Promise<CompiledArtifact> {
  const modules = new Map<string, WebAssembly.Module>();
  let bytes = 0;
  await Promise.all(
    moduleFiles(art).map(async (file) => {
      const data = await readFile(join(art.dir, file));
      bytes += data.length;
      modules.set(file, await WebAssembly.compile(data));
    }),
  );
  return { modules, bytes };
}
