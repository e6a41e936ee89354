/** Test helpers: build C fixtures into a temp dir, instantiate raw core modules with the wisp imports. */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const cache = new Map<string, Uint8Array<ArrayBuffer>>();

export type Link = 'nostdlib' | 'libc';

/**
 * Compile test/fuel/fixtures/<name>.c with clang-14 for wasm32-wasi into a fresh temp dir (never the repo).
 * 'nostdlib': -nostdlib (freestanding kernels); 'libc': linked against wasi-libc (no start files).
 */
export function buildC(name: string, link: Link = 'nostdlib', extra: string[] = []): Uint8Array<ArrayBuffer> {
  const key = `${name}|${link}|${extra.join(' ')}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const dir = mkdtempSync(join(tmpdir(), 'wisp-fuel-fixture-'));
  try {
    const out = join(dir, `${name}.wasm`);
    const args = [
      '--target=wasm32-wasi',
      '-O2',
      link === 'nostdlib' ? '-nostdlib' : '-nostartfiles',
      '-Wl,--no-entry',
      '-Wl,--export-dynamic',
      ...extra,
      join(fixtures, `${name}.c`),
      '-o',
      out,
    ];
    execFileSync('clang-14', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const bytes = new Uint8Array(readFileSync(out)) as Uint8Array<ArrayBuffer>;
    cache.set(key, bytes);
    return bytes;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export class FuelExhausted extends Error {
  constructor() {
    super('fuel exhausted');
    this.name = 'FuelExhausted';
  }
}

export interface Host {
  remaining: WebAssembly.Global;
  growCalls: Array<[number, number, number]>;
  tableGrowCalls: Array<[number, number, number]>;
  /** memory cap in pages (per memory index); undefined = unlimited */
  maxPages?: number;
  maxTable?: number;
  exhaustedCalls: number;
  imports: WebAssembly.Imports;
}

export function makeHost(opts: { maxPages?: number; maxTable?: number } = {}): Host {
  const host: Host = {
    remaining: new WebAssembly.Global({ value: 'i64', mutable: true }, 0n),
    growCalls: [],
    tableGrowCalls: [],
    maxPages: opts.maxPages,
    maxTable: opts.maxTable,
    exhaustedCalls: 0,
    imports: {},
  };
  host.imports = {
    'wisp:fuel': {
      remaining: host.remaining,
      exhausted() {
        host.exhaustedCalls++;
        throw new FuelExhausted();
      },
    },
    'wisp:limits': {
      grow(mem: number, cur: number, delta: number) {
        host.growCalls.push([mem, cur, delta]);
        return host.maxPages === undefined || cur + delta <= host.maxPages ? 1 : 0;
      },
      tableGrow(table: number, cur: number, delta: number) {
        host.tableGrowCalls.push([table, cur, delta]);
        return host.maxTable === undefined || cur + delta <= host.maxTable ? 1 : 0;
      },
    },
  };
  return host;
}

export function instantiate(wasm: BufferSource, imports: WebAssembly.Imports = {}): WebAssembly.Instance {
  return new WebAssembly.Instance(new WebAssembly.Module(wasm), imports);
}

/** Run `fn` with `budget` fuel; returns fuel used and whether it ran out. */
export function withFuel<T>(host: Host, budget: bigint, fn: () => T): { used: bigint; exhausted: boolean; value?: T; error?: unknown } {
  host.remaining.value = budget;
  try {
    const value = fn();
    return { used: budget - (host.remaining.value as bigint), exhausted: false, value };
  } catch (error) {
    return { used: budget - (host.remaining.value as bigint), exhausted: error instanceof FuelExhausted, error };
  }
}

export function wasiStub(): WebAssembly.Imports {
  const nosys = () => 52; // ENOSYS
  return { wasi_snapshot_preview1: new Proxy({}, { get: () => nosys }) as WebAssembly.ModuleImports };
}

/**
 * Run `fn` in a worker thread with a wall-clock deadline, so that a broken fuel check makes the test
 * fail instead of hanging the test process (a synchronous wasm loop cannot be interrupted otherwise).
 * `fn` must be self-contained (it is serialised with toString()); it gets the wasm bytes and a `lib`
 * with `makeHost`, `withFuel` and `FuelExhausted` equivalents.
 */
export function inWorker<T>(
  fn: (wasm: Uint8Array<ArrayBuffer>, lib: { makeHost: typeof makeHost; withFuel: typeof withFuel; FuelExhausted: typeof FuelExhausted }) => T,
  wasm: Uint8Array<ArrayBuffer>,
  timeoutMs = 20_000,
): Promise<T> {
  const src = `
    const { parentPort, workerData } = require('node:worker_threads');
    class FuelExhausted extends Error { constructor() { super('fuel exhausted'); this.name = 'FuelExhausted'; } }
    ${makeHost.toString()}
    ${withFuel.toString()}
    const fn = (${fn.toString()});
    try {
      const value = fn(new Uint8Array(workerData), { makeHost, withFuel, FuelExhausted });
      parentPort.postMessage({ ok: true, value });
    } catch (e) {
      parentPort.postMessage({ ok: false, error: String(e && e.stack || e) });
    }`;
  return new Promise<T>((resolve, reject) => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Worker } = require('node:worker_threads') as typeof import('node:worker_threads');
    const w = new Worker(src, { eval: true, workerData: wasm });
    const timer = setTimeout(() => {
      void w.terminate();
      reject(new Error(`guest still running after ${timeoutMs} ms: fuel did not stop it`));
    }, timeoutMs);
    w.once('message', (m: { ok: boolean; value?: T; error?: string }) => {
      clearTimeout(timer);
      void w.terminate();
      if (m.ok) resolve(m.value as T);
      else reject(new Error(m.error));
    });
    w.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}
