// Artifact -> something that can make instances: the glue's instantiate() and compiled modules.

import { readFile } from 'node:fs/promises';
import { setFlagsFromString } from 'node:v8';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { GLUE_FILE, readMeta, type ArtifactMeta } from '../../compiler/artifact.js';
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

export interface LoadedArtifact {
  dir: string;
  meta: ArtifactMeta;
  instantiate: GlueInstantiate;
}

/** Reads meta and imports the glue (Node keeps the glue module cached for the process). */
export async function loadArtifact(dir: string): Promise<LoadedArtifact> {
  const meta = await readMeta(dir);
  const glue = (await import(pathToFileURL(join(dir, GLUE_FILE)).href)) as { instantiate: GlueInstantiate };
  return { dir, meta, instantiate: glue.instantiate };
}

/** The cold path: read and compile every core module of the artifact. */
export async function compileArtifact(art: LoadedArtifact): Promise<CompiledArtifact> {
  const modules = new Map<string, WebAssembly.Module>();
  let bytes = 0;
  await Promise.all(
    art.meta.coreModules.map(async ({ file }) => {
      const data = await readFile(join(art.dir, file));
      bytes += data.length;
      modules.set(file, await WebAssembly.compile(data));
    }),
  );
  return { modules, bytes };
}
