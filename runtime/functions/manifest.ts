// Functions from a directory: a `functions.json` manifest naming each function's sources (built
// on load, cached by content hash) or a prebuilt artifact, plus its configuration. The
// registry replaces this source of FunctionSpecs; the engine does not know the difference.

import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { FunctionSpec } from '../engine/types.js';
import { BOUNDS, DEFAULTS } from './defaults.js';

export interface FunctionSource {
  get(name: string): FunctionSpec | undefined;
  list(): FunctionSpec[];
}

export const MANIFEST_FILE = 'functions.json';

export interface ManifestEntry {
  name: string;
  /** Source directory or file, relative to the manifest (built with the compiler). */
  source?: string;
  /** Or: a built artifact directory. */
  artifact?: string;
  lang?: string;
  memoryMB?: number;
  timeoutMs?: number;
  env?: Record<string, string>;
  reuse?: boolean;
  prewarm?: number;
  fuel?: number;
}

export class ManifestError extends Error {}

const NAME = /^[A-Za-z0-9_-]{1,64}$/;

function checkInt(entry: ManifestEntry, key: keyof typeof BOUNDS): number {
  const v = entry[key] ?? DEFAULTS[key];
  const [lo, hi] = BOUNDS[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) {
    throw new ManifestError(`function '${entry.name}': ${key} must be an integer in ${lo}..${hi}, got ${JSON.stringify(v)}`);
  }
  return v;
}

export function validateEntry(entry: ManifestEntry): void {
  if (typeof entry.name !== 'string' || !NAME.test(entry.name)) {
    throw new ManifestError(`invalid function name ${JSON.stringify(entry.name)}: 1-64 of A-Z a-z 0-9 _ -`);
  }
  if (!entry.source === !entry.artifact) throw new ManifestError(`function '${entry.name}': give exactly one of source or artifact`);
  for (const [k, v] of Object.entries(entry.env ?? {})) {
    if (typeof v !== 'string') throw new ManifestError(`function '${entry.name}': env.${k} must be a string`);
  }
}

export class ManifestFunctions implements FunctionSource {
  private constructor(private readonly specs: Map<string, FunctionSpec>) {}

  /** `want`: which entries to build and keep (all by default); every entry is validated. */
  static async load(
    dir: string,
    opts: { cacheDir: string; onProgress?: (l: string) => void; want?: (name: string) => boolean },
  ): Promise<ManifestFunctions> {
    const file = join(dir, MANIFEST_FILE);
    if (!existsSync(file)) throw new ManifestError(`no ${MANIFEST_FILE} in ${dir}`);
    let doc: { functions?: ManifestEntry[] };
    try {
      // Sync: a small file, read once at start; the async read cost the host's start 2–6 ms
      // (thread-pool hop while the first worker boots).
      doc = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new ManifestError(`${file}: ${(e as Error).message}`);
    }
    if (!Array.isArray(doc.functions)) throw new ManifestError(`${file}: expected {"functions": [...]}`);
    const specs = new Map<string, FunctionSpec>();
    const seen = new Set<string>();
    for (const entry of doc.functions) {
      validateEntry(entry);
      if (seen.has(entry.name)) throw new ManifestError(`${file}: function '${entry.name}' is listed twice`);
      seen.add(entry.name);
      const limits = { memoryMB: checkInt(entry, 'memoryMB'), timeoutMs: checkInt(entry, 'timeoutMs'), prewarm: checkInt(entry, 'prewarm') };
      if (opts.want && !opts.want(entry.name)) continue;
      // Loaded here, not at startup: a host with nothing to build never needs the compiler.
      const { build } = await import('../../compiler/build.js');
      const artifactDir = entry.artifact
        ? resolve(dir, entry.artifact)
        : (await build(resolve(dir, entry.source!), { cacheDir: opts.cacheDir, lang: entry.lang, onProgress: opts.onProgress })).dir;
      specs.set(entry.name, {
        name: entry.name,
        version: '$LATEST',
        artifactDir,
        ...limits,
        env: entry.env ?? {},
        reuse: entry.reuse ?? DEFAULTS.reuse,
        fuel: entry.fuel ?? DEFAULTS.fuel,
      });
    }
    return new ManifestFunctions(specs);
  }

  get(name: string): FunctionSpec | undefined {
    return this.specs.get(name);
  }

  list(): FunctionSpec[] {
    return [...this.specs.values()];
  }
}
