// `wisp build`: sources (a directory or one bare file) -> a runtime artifact, cached by a hash
// of everything that goes in, so an unchanged function is not rebuilt.

import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import { ARTIFACT_FORMAT, type ArtifactMeta, isComponent, readMeta, writeArtifact } from './artifact.js';
import { frontends } from './languages/index.js';
import { BuildError } from './toolchain.js';

export interface BuildOptions {
  /** Force the language instead of detecting it. */
  lang?: string;
  /** Where artifacts and toolchain caches live (the host's data dir). */
  cacheDir: string;
  /** Progress lines for long builds. */
  onProgress?: (line: string) => void;
}

export interface BuildResult {
  dir: string;
  meta: ArtifactMeta;
  cached: boolean;
}

const IGNORED_DIRS = new Set(['node_modules', 'target', '.git', 'build', 'dist', '__pycache__']);

/** A function's source files, relative to root, skipping build output and hidden files. */
export async function listFiles(root: string, dir = root): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.name.startsWith('.') || IGNORED_DIRS.has(e.name)) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(root, p)));
    else if (e.isFile()) out.push(relative(root, p));
  }
  return out.sort();
}

export function detectLang(files: string[]): string {
  if (files.length === 1 && files[0]!.endsWith('.wasm')) return 'component';
  const top = new Set(files.filter((f) => !f.includes('/')));
  for (const [lang, fe] of Object.entries(frontends)) {
    if (fe.markers?.some((m) => top.has(m))) return lang;
  }
  for (const [lang, fe] of Object.entries(frontends)) {
    if (files.some((f) => fe.sources.includes(extname(f)))) return lang;
  }
  throw new BuildError(`cannot tell the language of [${files.join(', ')}]: pass --lang (one of ${Object.keys(frontends).join(', ')}, component)`);
}

/** Identity of what produced an artifact: changing a toolchain version invalidates the cache. */
const TOOLCHAIN_ID = `wisp-artifact-${ARTIFACT_FORMAT};node-${process.versions.node}`;

async function hashInputs(lang: string, srcDir: string, files: string[]): Promise<string> {
  const h = createHash('sha256').update(`${TOOLCHAIN_ID}\0${lang}@${frontends[lang]?.version ?? '0'}\0`);
  for (const f of files) h.update(f).update('\0').update(await readFile(join(srcDir, f))).update('\0');
  return h.digest('hex').slice(0, 32);
}

export async function build(srcPath: string, opts: BuildOptions): Promise<BuildResult> {
  // Toolchains run in their own working directories: every path handed to them is absolute
  // (`wisp build` with the default relative data dir made rustc miss the cached cabi_realloc.o).
  opts = { ...opts, cacheDir: resolve(opts.cacheDir) };
  const abs = resolve(srcPath);
  if (!existsSync(abs)) throw new BuildError(`no such file or directory: ${srcPath}`);
  const isDir = statSync(abs).isDirectory();
  const srcDir = isDir ? abs : dirname(abs);
  const files = isDir ? await listFiles(abs) : [basename(abs)];
  if (files.length === 0) throw new BuildError(`${srcPath} holds no source files`);
  const lang = opts.lang ?? detectLang(files);
  const hash = await hashInputs(lang, srcDir, files);
  const dir = join(opts.cacheDir, 'artifacts', hash);
  if (existsSync(join(dir, 'meta.json'))) return { dir, meta: await readMeta(dir), cached: true };

  let component: Uint8Array;
  if (lang === 'component') {
    component = await readFile(join(srcDir, files[0]!));
    if (!isComponent(component)) throw new BuildError(`${srcPath} is not a WebAssembly component`);
  } else {
    const fe = frontends[lang];
    if (!fe) throw new BuildError(`unknown language '${lang}': one of ${Object.keys(frontends).join(', ')}, component`);
    opts.onProgress?.(`building ${srcPath} (${lang})`);
    const workDir = await mkdtemp(join(tmpdir(), 'wisp-build-'));
    try {
      component = await fe.build({ srcDir, files, workDir, cacheDir: opts.cacheDir });
    } finally {
      await rm(workDir, { recursive: true, force: true });
    }
  }
  opts.onProgress?.(`transpiling ${srcPath} (${(component.length / 1024).toFixed(0)} KiB component)`);
  const meta = await writeArtifact(component, dir, lang, hash);
  return { dir, meta, cached: false };
}
