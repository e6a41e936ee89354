// A deployment package (Lambda's Code.ZipFile) -> a stored artifact. The zip is checked before
// anything is written (size, entry count, paths), sources are built with the compiler, and
// the artifact lands content-addressed and fsynced; only then may the registry point at it.

import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { isComponent } from '../../compiler/artifact.js';
import { BuildError } from '../../compiler/toolchain.js';
// The compiler (toolchain front ends, jco, componentize-js) loads on the first upload only:
// importing it at startup cost the host hundreds of milliseconds before its first response.
const compiler = async () => ({ ...(await import('../../compiler/build.js')), ...(await import('../../compiler/languages/index.js')) });
import { invalid, tooLarge } from '../registry/errors.js';
import type { CodeRef } from '../registry/types.js';

/** Lambda's limits: 50 MB zipped for a direct upload, 250 MB unzipped. */
export const MAX_ZIP_BYTES = 50 * 1024 * 1024;
export const MAX_UNZIPPED_BYTES = 250 * 1024 * 1024;
const MAX_ENTRIES = 10_000;

export async function runtimes(): Promise<string[]> {
  return [...Object.keys((await compiler()).frontends), 'component'];
}

/** A safe relative path: no absolute paths, drive letters, backslashes or `..` segments. */
export function safeEntryName(name: string): boolean {
  if (!name || name.length > 1024 || name.includes('\0') || name.includes('\\')) return false;
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) return false;
  return name.split('/').every((seg) => seg !== '..' && seg !== '.');
}

export async function unpackZip(zip: Uint8Array): Promise<Map<string, Uint8Array>> {
  if (zip.length > MAX_ZIP_BYTES) throw tooLarge(`deployment package is ${zip.length} bytes; the limit is ${MAX_ZIP_BYTES}`);
  // Loaded on the first upload: fflate makes a TextDecoder (a native object) when it loads,
  // which a V8 startup snapshot of the host cannot hold (docs/bench.md, "startup snapshot").
  const { unzipSync } = await import('fflate');
  let entries = 0;
  let total = 0;
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(zip, {
      filter: (f) => {
        if (++entries > MAX_ENTRIES) throw invalid(`deployment package has more than ${MAX_ENTRIES} entries`);
        if (!safeEntryName(f.name)) throw invalid(`deployment package entry ${JSON.stringify(f.name)} has an unsafe path`);
        total += f.originalSize;
        if (total > MAX_UNZIPPED_BYTES) throw tooLarge(`deployment package unzips to more than ${MAX_UNZIPPED_BYTES} bytes`);
        return !f.name.endsWith('/');
      },
    });
  } catch (e) {
    if (e instanceof Error && e.name.endsWith('Exception')) throw e;
    throw invalid(`Could not unzip uploaded file. Please check your file, then try to upload again. (${(e as Error).message})`);
  }
  const out = new Map<string, Uint8Array>();
  for (const [name, data] of Object.entries(files)) out.set(name, data);
  if (out.size === 0) throw invalid('deployment package is empty');
  return out;
}

/** Build and store a deployment package; returns what the registry records. */
export async function storePackage(pkg: Uint8Array, runtime: string, cacheDir: string, uploadsDir: string): Promise<CodeRef> {
  const known = await runtimes();
  if (!known.includes(runtime)) throw invalid(`Runtime ${JSON.stringify(runtime)} is not supported: one of ${known.join(', ')}`);
  const sha256 = createHash('sha256').update(pkg).digest('base64');
  // A bare component is accepted as is; anything else must be a zip.
  const files = isComponent(pkg) ? new Map([['function.wasm', pkg]]) : await unpackZip(pkg);
  const dir = join(uploadsDir, randomBytes(8).toString('hex'));
  try {
    for (const [name, data] of files) {
      await mkdir(dirname(join(dir, name)), { recursive: true });
      await writeFile(join(dir, name), data);
    }
    let src = dir;
    if (runtime === 'component') {
      const wasm = [...files.keys()].filter((n) => n.endsWith('.wasm'));
      if (wasm.length !== 1) throw invalid(`Runtime component expects exactly one .wasm file in the package, found ${wasm.length}`);
      src = join(dir, wasm[0]!);
    }
    const built = await (await compiler()).build(src, { cacheDir, lang: runtime });
    return { artifactDir: built.dir, sha256, size: pkg.length, shape: built.meta.shape };
  } catch (e) {
    if (e instanceof BuildError) throw invalid(`build failed: ${e.message}`);
    throw e;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
