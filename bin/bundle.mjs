#!/usr/bin/env node
// Bundles tsc's output (dist/) into dist/bundle/:
//   - wisp.mjs + worker.mjs (ES modules, code-split so the compiler's lazy imports stay lazy):
//     what bin/wisp.js and the executor workers run. Why: Node 20 has no compile cache for ES
//     modules and resolving ~150 small files cost most of the host's start (importing
//     runtime/host.js took 66–80 ms, the bundle ~20 ms; docs/bench.md).
//   - host.cjs + host.blob: the same CLI as one CommonJS script, evaluated once into a V8 startup
//     snapshot (cli/snapshot.ts; bin/wisp-host starts from it). host.blob.args says which node
//     built it and with which V8 flags: a blob only loads in that node with those flags.
// Packages with native code, wasm payloads or their own lazy loading stay external.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const outdir = `${root}dist/bundle`;
const external = ['*.node', 'binaryen', 'esbuild', 'assemblyscript', 'assemblyscript/*', '@bytecodealliance/*', '@ruby/*', '@assemblyscript/*'];
// No keepNames: its __name() calls ran on every closure created per request (~2 % of the main
// thread under load). Errors are told apart by their own `name` fields, never by constructor names.
const common = { bundle: true, platform: 'node', target: 'node20', define: { WISP_BUNDLE: 'true' }, external, logLevel: 'warning' };

rmSync(outdir, { recursive: true, force: true });
await build({
  ...common,
  entryPoints: { wisp: `${root}dist/cli/main.js`, worker: `${root}dist/runtime/engine/worker/main.js` },
  outdir,
  splitting: true,
  format: 'esm',
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
  // Bundled CommonJS (if any) may call require().
  banner: { js: "import { createRequire as __wispCreateRequire } from 'node:module'; const require = __wispCreateRequire(import.meta.url);" },
});

// --- The startup snapshot -------------------------------------------------------------------

/** V8 flags the host sets when it loads (runtime/engine/loader.ts): a snapshot records the flags
 *  it was built with, and node refuses to start from it under others. */
const V8_FLAGS = ['--wasm-lazy-validation', '--experimental-wasm-extended-const'];

/** Builtins loaded into the snapshot itself (each load costs the first request 0.1–1 ms, crypto
 *  ~1 ms): those that load in the snapshot builder and keep no process-specific state from
 *  loading alone (randomUUID's pool, for one, is filled on first call: test/host/snapshot.test.ts
 *  checks two hosts' request IDs differ). */
const SNAPSHOT_BUILTINS = new Set(['fs', 'fs/promises', 'path', 'url', 'os', 'crypto', 'util', 'events', 'buffer', 'module', 'v8', 'vm', 'string_decoder', 'stream', 'net', 'dns']);

/**
 * Builtins are required on first use, not when the bundle is evaluated: some do not load in the
 * snapshot builder (node:http needs Array.prototype.toSorted, absent there) and others hold
 * native handles a snapshot cannot keep. Each becomes an object of getters over the real module.
 */
const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(b) {
    const names = new Set(builtinModules);
    b.onResolve({ filter: /^[a-z_:/0-9]+$/ }, (a) => {
      const name = a.path.replace(/^node:/, '');
      if (!names.has(name)) return undefined;
      return a.namespace === 'lazy-builtin' ? { path: `node:${name}`, external: true } : { path: name, namespace: 'lazy-builtin' };
    });
    b.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, async (a) => {
      if (SNAPSHOT_BUILTINS.has(a.path)) return { contents: `module.exports = require(${JSON.stringify(`node:${a.path}`)});`, loader: 'js' };
      const keys = Object.keys(await import(`node:${a.path}`)).filter((k) => k !== 'default');
      const get = (k) => `Object.defineProperty(exports, ${JSON.stringify(k)}, { enumerable: true, get: () => load()[${JSON.stringify(k)}] });`;
      return { contents: `let m; const load = () => (m ??= require(${JSON.stringify(`node:${a.path}`)}));\n${keys.map(get).join('\n')}`, loader: 'js' };
    });
  },
};

/** runtime/external.ts -> runtime/external-snapshot.ts (import() through vm's main-context loader). */
const snapshotExternal = {
  name: 'snapshot-external',
  setup(b) {
    b.onResolve({ filter: /(^|\/)external\.js$/ }, (a) => (a.importer.includes('/dist/') ? { path: fileURLToPath(new URL(a.path.replace(/external\.js$/, 'external-snapshot.js'), pathToFileURL(a.importer))) } : undefined));
  },
};

const hostCjs = `${outdir}/host.cjs`;
const blob = `${outdir}/host.blob`;
await build({
  ...common,
  entryPoints: [`${root}dist/cli/snapshot.js`],
  outfile: hostCjs,
  format: 'cjs',
  // import.meta.url is where the bundle is; cli/snapshot.ts sets it again when the process starts.
  define: { ...common.define, 'import.meta.url': 'globalThis.__wispModuleUrl' },
  banner: { js: `globalThis.__wispModuleUrl = ${JSON.stringify(pathToFileURL(hostCjs).href)};` },
  plugins: [lazyBuiltins, snapshotExternal],
});
const r = spawnSync(process.execPath, ['--snapshot-blob', blob, ...V8_FLAGS, '--build-snapshot', hostCjs], { encoding: 'utf8' });
if (r.status === 0) {
  writeFileSync(`${blob}.args`, `${process.execPath}\n${V8_FLAGS.join(' ')}\n`);
} else {
  // Not fatal: bin/wisp-host falls back to bin/wisp.js without a blob.
  rmSync(blob, { force: true });
  process.stderr.write(`bundle: no startup snapshot (bin/wisp-host will run bin/wisp.js): ${(r.stderr || r.error?.message || '').trim().split('\n').slice(-5).join('\n')}\n`);
}
