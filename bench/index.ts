// The cold-start bench suite: Wisp's start tiers for every example language, in-process
// (isolation 'worker' and 'inline') and over HTTP, throughput under load, host spawn -> first
// response, and peers measured in the same run on the same functions where they can run them.
// Writes bench/results/latest.{json,md,svg}. Method: bench/README.md.
//
//   npx tsc -p . && node dist/bench/index.js [--quick] [--only inproc,http,load,spawn,fuel]
//
// --quick: hello-c, hello-rust, hello-js (+ counter-js for hot), few samples; < 60 s. CI smoke test.

import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from '../compiler/build.js';
import { Engine } from '../runtime/engine/engine.js';
import type { FunctionSpec, InvokeRequest, Tier } from '../runtime/engine/types.js';
import { DEFAULTS } from '../runtime/functions/defaults.js';
import { startHost, type Host } from '../runtime/host.js';
import { MemoryLog } from '../runtime/http/log.js';
import type { Resolver } from '../runtime/invoke/invoker.js';
import { notFound } from '../runtime/registry/errors.js';
import { BenchClient } from './lib/client.js';
import { loadNow, machineInfo, type LoadSample } from './lib/machine.js';
import { firstResponse, freePort, NODE_E_HI, PEERS_DIR, peerBin, peerRequire, startChild, which, wrk, type Child } from './lib/proc.js';
import { fmtValue, markdown, svg, type Figure, type Report, type Target } from './lib/report.js';
import { summarize } from './lib/stats.js';
import { ratioVerdict, UNSTABLE_SPREAD } from './lib/verdict.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url)).replace(/dist\/?$/, '');
const root = ROOT.endsWith('/') ? ROOT : `${ROOT}/`;
const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const onlyArg = argv.indexOf('--only');
const only = onlyArg >= 0 ? new Set(argv[onlyArg + 1]!.split(',')) : null;
const want = (s: string) => !only || only.has(s);

// Samples: R measured rounds (+1 discarded warm-up round); P samples per tier per round.
const R = quick ? 2 : 8;
const P = quick ? 3 : 5;
const SPAWN_ROUNDS = quick ? 2 : 10;
const LOAD_ROUNDS = quick ? 1 : 3;
const LOAD_SECONDS = quick ? 1 : 3;
const FUEL_ROUNDS = quick ? 0 : 21; // quick: import the last bench/fuel.mjs result instead

const ALL_LANGS = ['c', 'js', 'rust', 'go', 'ts', 'assemblyscript', 'python', 'ruby'];
const LANGS = quick ? ['c', 'rust', 'js'] : ALL_LANGS;
const dataDir = join(root, '.wisp', 'bench');
// --out DIR writes the report elsewhere (the CI smoke test), keeping the committed results.
const outArg = argv.indexOf('--out');
const outDir = outArg >= 0 ? argv[outArg + 1]! : undefined;
const resultsDir = join(root, 'bench', 'results');
const peersSrc = join(root, 'bench', 'peers');

const t0 = performance.now();
const log = (s: string) => process.stderr.write(`[bench ${((performance.now() - t0) / 1000).toFixed(1)}s] ${s}\n`);

// ---------------------------------------------------------------- results

const figures: Record<string, Figure> = {};
const na: Record<string, string> = {};
const load: LoadSample[] = [loadNow('start')];
const peersInfo: Record<string, string> = {};

function add(name: string, samples: number[], unit: Figure['unit'], meta: Pick<Figure, 'section' | 'subject' | 'fn' | 'tier' | 'wisp'> & { note?: string }): void {
  if (samples.length === 0) return;
  const s = summarize(samples);
  figures[name] = { median: s.median, p90: s.p90, min: s.min, max: s.max, n: s.n, unit, spread: s.median ? (s.p90 - s.min) / s.median : null, ...meta };
}
function notAvailable(name: string, reason: string): void {
  na[name] = reason;
  log(`n/a ${name}: ${reason.split('\n')[0]}`);
}
const errText = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0]!.slice(0, 300);

// ---------------------------------------------------------------- prep: artifacts and peer binaries

interface Fn {
  name: string;
  lang: string;
  dir: string;
  /** A reused instance can serve several requests (hot tier). */
  reentrant: boolean;
  expect: string;
}

const tmp = await mkdtemp(join(tmpdir(), 'wisp-bench-'));
const children: Child[] = [];
const cleanup = async () => {
  await Promise.all(children.map((c) => c.stop()));
  await rm(tmp, { recursive: true, force: true });
};
process.on('SIGINT', () => void cleanup().then(() => process.exit(130)));

async function buildFns(): Promise<Fn[]> {
  const fns: Fn[] = [];
  const srcs = [...LANGS.map((l) => ({ name: `hello-${l}`, lang: l, src: `examples/hello-${l}` })), { name: 'counter-js', lang: 'js', src: 'test/fixtures/counter-js' }];
  for (const f of srcs) {
    try {
      const { dir, cached } = await build(join(root, f.src), { cacheDir: dataDir, onProgress: (l) => log(l) });
      if (!cached) log(`built ${f.name}`);
      fns.push({ name: f.name, lang: f.lang, dir, reentrant: f.name === 'counter-js', expect: f.name === 'counter-js' ? 'count=' : 'Hello, b' });
    } catch (e) {
      notAvailable(`inproc.*.${f.name}`, `build failed: ${errText(e)}`);
    }
  }
  return fns;
}

/** The same C and Rust sources as preview1 core modules (what the peers run) and a native binary. */
function buildPeerBinaries(): { wasm: Record<string, string>; native: string | null; kernels: string | null } {
  const wasm: Record<string, string> = {};
  const tryRun = (what: string, cmd: string, args: string[]) => {
    try {
      execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
      return true;
    } catch (e) {
      notAvailable(what, `${cmd} failed: ${errText((e as { stderr?: Buffer }).stderr?.toString() || e)}`);
      return false;
    }
  };
  const c = join(tmp, 'hello-c.wasm');
  if (tryRun('peer preview1 hello-c', 'clang-14', ['--target=wasm32-wasi', '-O2', '-Wl,--strip-debug', join(root, 'examples/hello-c/main.c'), '-o', c])) wasm['hello-c'] = c;
  const rs = join(tmp, 'hello-rust.wasm');
  if (tryRun('peer preview1 hello-rust', '/usr/bin/rustc', ['--edition', '2021', '--target', 'wasm32-wasi', '-C', 'opt-level=3', '-C', 'strip=debuginfo', join(root, 'examples/hello-rust/main.rs'), '-o', rs])) wasm['hello-rust'] = rs;
  const native = join(tmp, 'hello-c.native');
  const nativeOk = tryRun('native hello-c', 'gcc', ['-O2', join(root, 'examples/hello-c/main.c'), '-o', native]);
  const kernels = join(tmp, 'kernels.wasm');
  const kOk = tryRun('fuel kernels', 'clang-14', ['--target=wasm32-wasi', '-O2', '-nostdlib', '-Wl,--no-entry', '-Wl,--export-dynamic', join(root, 'test/fuel/fixtures/kernels.c'), '-o', kernels]);
  return { wasm, native: nativeOk ? native : null, kernels: kOk ? kernels : null };
}

// ---------------------------------------------------------------- in-process

function spec(name: string, dir: string, over: Partial<FunctionSpec> = {}): FunctionSpec {
  return { name, version: '$LATEST', artifactDir: dir, env: {}, ...DEFAULTS, ...over };
}

let reqId = 0;
function request(): InvokeRequest {
  return {
    requestId: `bench-${reqId++}`,
    method: 'GET',
    path: '/anything',
    query: 'name=bench',
    headers: [['host', '127.0.0.1']],
    body: new Uint8Array(0),
    scheme: 'http',
    authority: '127.0.0.1',
    remoteAddr: '127.0.0.1',
  };
}

/**
 * Cold = nothing compiled in memory: evict every compiled artifact through the module cache's
 * own LRU path (which also tells the workers / inline executor to drop theirs), by inserting an
 * entry bigger than the budget. Checked: V8 does not reuse a previous compile of the same bytes.
 */
function dropCompiled(engine: Engine): void {
  const k = '\0bench-flush';
  engine.modules.set(k, { modules: new Map(), bytes: engine.modules.budgetBytes + 1 });
  engine.modules.delete(k);
}

type Iso = 'worker' | 'inline';
/** Languages whose warm start is also measured with recycling off (the tiny-function targets). */
const NEW_INSTANCE_LANGS = ['c', 'rust'];
const ISOS: Iso[] = ['worker', 'inline'];

type PeerSampler = { subject: string; cold: () => Promise<number>; warm: () => Promise<number> };

async function timeInvoke(engine: Engine, s: FunctionSpec, expect: Tier | Tier[], fn: Fn): Promise<number> {
  const t = performance.now();
  const r = await engine.invoke(s, request());
  const ms = performance.now() - t;
  const body = r.response ? Buffer.from(r.response.body).toString() : '';
  const tiers = Array.isArray(expect) ? expect : [expect];
  if (r.error || !tiers.includes(r.tier) || !body.includes(fn.expect.replace('Hello, b', 'Hello, bench'))) {
    throw new Error(`${s.name}: expected ${tiers.join('|')} + '${fn.expect}', got ${r.tier} ${JSON.stringify(r.error)} ${body.slice(0, 80)}`);
  }
  return ms;
}

async function inProcess(fns: Fn[], peerSamplers: Map<string, PeerSampler[]>): Promise<void> {
  const engines = { worker: new Engine({ isolation: 'worker' }), inline: new Engine({ isolation: 'inline' }), inlineNew: new Engine({ isolation: 'inline' }) };
  for (const fn of fns) {
    log(`in-process: ${fn.name}`);
    const samples: Record<string, number[]> = {};
    const push = (k: string, v: number) => (samples[k] ??= []).push(v);
    const base = spec(fn.name, fn.dir);
    const pool = spec(`${fn.name}-pool`, fn.dir, { prewarm: 1 });
    const hot = spec(`${fn.name}-hot`, fn.dir, { reuse: true });
    const peers = peerSamplers.get(fn.name) ?? [];
    try {
      for (let r = 0; r <= R; r++) {
        const keep = r > 0; // round 0 warms up (JIT of the host, page cache, workers)
        const order = r % 2 ? [...ISOS].reverse() : ISOS;
        for (const iso of order) {
          const e = engines[iso];
          dropCompiled(e);
          const cold = await timeInvoke(e, base, 'cold', fn);
          if (keep) push(`${iso}.cold`, cold);
          for (let i = 0; i < P; i++) {
            const w = await timeInvoke(e, base, 'warm', fn);
            if (keep) push(`${iso}.warm`, w);
          }
          for (let i = 0; i < P; i++) {
            await e.prepare(pool); // refill outside the measured span
            const w = await timeInvoke(e, pool, 'prewarmed', fn);
            if (keep) push(`${iso}.prewarmed`, w);
          }
          if (fn.reentrant) {
            await timeInvoke(e, hot, 'warm', fn); // makes the instance that later requests reuse
            for (let i = 0; i < P; i++) {
              const h = await timeInvoke(e, hot, 'hot', fn);
              if (keep) push(`${iso}.hot`, h);
            }
          }
        }
        if (NEW_INSTANCE_LANGS.includes(fn.lang)) {
          // The same inline warm start with a new V8 instance each time (recycling off, as
          // before ARTIFACT_FORMAT 13): what recycled instances save, measured in this run.
          const e = engines.inlineNew;
          dropCompiled(e);
          process.env.WISP_RECYCLE = '0'; // read when the module's memory pool is made: in the cold start below
          try {
            await timeInvoke(e, base, 'cold', fn);
          } finally {
            delete process.env.WISP_RECYCLE;
          }
          for (let i = 0; i < P; i++) {
            const w = await timeInvoke(e, base, 'warm', fn);
            if (keep) push('inline-new-instance.warm', w);
          }
        }
        for (const p of r % 2 ? [...peers].reverse() : peers) {
          const c = await p.cold();
          if (keep) push(`${p.subject}.cold`, c);
          for (let i = 0; i < P; i++) {
            const w = await p.warm();
            if (keep) push(`${p.subject}.warm`, w);
          }
        }
      }
    } catch (e) {
      notAvailable(`inproc.*.${fn.name}`, `failed: ${errText(e)}`);
      continue;
    }
    // A process per request has one tier: spawn + run + exit.
    const nat = [...(samples['native-spawn.cold'] ?? []), ...(samples['native-spawn.warm'] ?? [])];
    delete samples['native-spawn.cold'];
    delete samples['native-spawn.warm'];
    if (nat.length) samples['native-spawn.process'] = nat;
    for (const [k, v] of Object.entries(samples)) {
      const [subject, tier] = k.split('.') as [string, string];
      const wisp = subject === 'worker' || subject === 'inline' || subject === 'inline-new-instance';
      add(`inproc.${wisp ? `wisp-${subject}` : subject}.${fn.name}.${tier}`, v, 'ms', { section: 'inproc', subject: wisp ? `wisp-${subject}` : subject, fn: fn.name, tier, wisp });
    }
    if (!fn.reentrant) {
      const why =
        fn.lang === 'js' || fn.lang === 'ts' || fn.lang === 'python'
          ? 'fetch-event / wasi:http handler that accepts one request per instance (reuse gives no benefit; see counter-js for a re-enterable one)'
          : 'command (wasi:cli/run): main runs once per instance, reuse is ignored';
      na[`inproc.wisp-*.${fn.name}.hot`] = why;
    }
  }
  await engines.worker.close();
  await engines.inline.close();
  await engines.inlineNew.close();
}

/** Peers that run in this process: raw V8 + minimal preview1 shim, @wasmer/wasi; and a native process. */
async function inProcessPeers(bins: ReturnType<typeof buildPeerBinaries>): Promise<Map<string, PeerSampler[]>> {
  const out = new Map<string, PeerSampler[]>();
  const addP = (fn: string, p: PeerSampler) => out.set(fn, [...(out.get(fn) ?? []), p]);
  const shim = (await import(pathToFileURL(join(peersSrc, 'preview1.mjs')).href)) as {
    runCommand(m: WebAssembly.Module, env: Record<string, string>): Uint8Array;
    cgiBody(b: Uint8Array): string;
  };
  const env = { QUERY_STRING: 'name=bench', REQUEST_METHOD: 'GET' };
  const check = (s: string, who: string) => {
    if (!s.includes('Hello, bench')) throw new Error(`${who}: unexpected output ${JSON.stringify(s.slice(0, 100))}`);
  };
  peersInfo['v8-preview1'] = `raw WebAssembly.Instance of the preview1 core module (clang-14 -O2 / rustc 1.63 -C opt-level=3) with a 10-function JS WASI shim (bench/peers/preview1.mjs): the floor under any Node/V8 host`;
  type WasmerMod = { init(): Promise<void>; WASI: new (c: object) => { instantiate(m: WebAssembly.Module, i: object): unknown; start(): number; getStdoutString(): string } };
  const wasmer = peerRequire<WasmerMod>('@wasmer/wasi');
  let wasmerReady = false;
  if (wasmer instanceof Error) {
    notAvailable('inproc.wasmer-wasi.*', wasmer.message);
  } else {
    const t = performance.now();
    await wasmer.init();
    add('inproc.wasmer-wasi.init.once', [performance.now() - t], 'ms', { section: 'inproc', subject: 'wasmer-wasi', fn: '(library init)', tier: 'cold', wisp: false, note: 'one-time init of @wasmer/wasi (its own wasm), once per process' });
    wasmerReady = true;
    const ver = JSON.parse(readFileSync(join(PEERS_DIR, 'node_modules/@wasmer/wasi/package.json'), 'utf8')).version;
    peersInfo['wasmer-wasi'] = `@wasmer/wasi ${ver} (npm, from ${PEERS_DIR}; unmaintained since 2022) running the preview1 core modules`;
  }
  for (const [fn, path] of Object.entries(bins.wasm)) {
    const bytes = readFileSync(path);
    const mod = new WebAssembly.Module(bytes);
    const v8run = (m: WebAssembly.Module) => check(shim.cgiBody(shim.runCommand(m, env)), 'v8-preview1');
    addP(fn, {
      subject: 'v8-preview1',
      cold: async () => {
        const t = performance.now();
        v8run(await WebAssembly.compile(readFileSync(path)));
        return performance.now() - t;
      },
      warm: async () => {
        const t = performance.now();
        v8run(mod);
        return performance.now() - t;
      },
    });
    if (wasmerReady && !(wasmer instanceof Error)) {
      const wrun = (m: WebAssembly.Module) => {
        const w = new wasmer.WASI({ env, args: ['main'] });
        w.instantiate(m, {});
        const code = w.start();
        const s = w.getStdoutString();
        if (code !== 0) throw new Error(`wasmer exit ${code}`);
        const i = s.indexOf('\r\n\r\n');
        check(i < 0 ? s : s.slice(i + 4), 'wasmer-wasi');
      };
      addP(fn, {
        subject: 'wasmer-wasi',
        cold: async () => {
          const t = performance.now();
          wrun(await WebAssembly.compile(readFileSync(path)));
          return performance.now() - t;
        },
        warm: async () => {
          const t = performance.now();
          wrun(mod);
          return performance.now() - t;
        },
      });
    }
  }
  if (bins.native) {
    const native = bins.native;
    const once = () =>
      new Promise<number>((resolve, reject) => {
        const t = performance.now();
        const p = spawn(native, [], { env, stdio: ['ignore', 'pipe', 'ignore'] });
        let s = '';
        p.stdout.on('data', (d) => (s += d));
        p.on('error', reject);
        p.on('close', () => {
          const ms = performance.now() - t;
          try {
            check(s, 'native');
            resolve(ms);
          } catch (e) {
            reject(e);
          }
        });
      });
    // "cold" and "warm" are the same thing for a process per request: spawn, run, exit.
    addP('hello-c', { subject: 'native-spawn', cold: once, warm: once });
    peersInfo['native-spawn'] = 'examples/hello-c/main.c built natively (gcc -O2), one process per request: spawn + run + exit, from Node (Lambda-style process baseline)';
  }
  return out;
}

function wasmtimePeer(bins: ReturnType<typeof buildPeerBinaries>): void {
  const py = which('python3');
  if (!py) return notAvailable('inproc.wasmtime.*', 'python3 not found');
  const cfg = { commands: bins.wasm, kernels: bins.kernels, rounds: R, per_round: P, kernel_rounds: quick ? 3 : 21 };
  let res: { error?: string; version?: string; commands: Record<string, Record<string, number[]> & { error?: string }>; kernels: Record<string, { plain: number[]; fuel: number[]; fuelUsed: number }> };
  try {
    res = JSON.parse(execFileSync(py, [join(peersSrc, 'wasmtime_bench.py'), JSON.stringify(cfg)], { encoding: 'utf8', maxBuffer: 1 << 24, timeout: 300_000 }));
  } catch (e) {
    return notAvailable('inproc.wasmtime.*', `wasmtime_bench.py failed: ${errText(e)}`);
  }
  if (res.error) return notAvailable('inproc.wasmtime.*', res.error);
  peersInfo.wasmtime = `wasmtime ${res.version} (PyPI, Cranelift) via wasmtime-py; 'wasmtime-fuel' = Config.consume_fuel with store fuel set; times include wasmtime-py's ctypes overhead`;
  for (const [fn, s] of Object.entries(res.commands)) {
    if (s.error) {
      notAvailable(`inproc.wasmtime.${fn}`, String(s.error));
      continue;
    }
    for (const [k, v] of Object.entries(s)) {
      const [kind, tier] = k.split('.') as [string, string];
      const subject = kind === 'fuel' ? 'wasmtime-fuel' : 'wasmtime';
      add(`inproc.${subject}.${fn}.${tier}`, v as number[], 'ms', { section: 'inproc', subject, fn, tier, wisp: false });
    }
  }
  for (const [k, v] of Object.entries(res.kernels)) {
    add(`fuel.wasmtime.${k}.plain`, v.plain, 'ms', { section: 'fuel', subject: 'wasmtime', fn: k, tier: 'plain', wisp: false });
    add(`fuel.wasmtime.${k}.fuel`, v.fuel, 'ms', { section: 'fuel', subject: 'wasmtime-fuel', fn: k, tier: 'fuel', wisp: false, note: `fuel used ${(v.fuelUsed / 1e6).toFixed(1)} M` });
    const med = (a: number[]) => summarize(a).median;
    const pct = (med(v.fuel) / med(v.plain) - 1) * 100;
    figures[`fuel.wasmtime.${k}.slowdown`] = { median: pct, p90: null, min: null, max: null, n: v.plain.length, unit: '%', spread: null, section: 'fuel', subject: 'wasmtime-fuel', fn: k, tier: 'slowdown', wisp: false, note: 'consume_fuel vs not, ratio of medians' };
  }
}

// ---------------------------------------------------------------- HTTP, one request at a time

async function overHttp(fns: Fn[], peerUrls: { subject: string; fn: string; url: string; expect: string }[]): Promise<Record<Iso, Host>> {
  const specs = new Map<string, FunctionSpec>();
  const resolver: Resolver = {
    resolve: (n) => {
      const s = specs.get(n);
      if (!s) throw notFound(n);
      return { spec: s, reserved: null };
    },
  };
  const hosts = {} as Record<Iso, Host>;
  for (const iso of ISOS) {
    hosts[iso] = await startHost({ port: 0, resolver, dataDir: join(tmp, `host-${iso}`), log: new MemoryLog(1), engine: { isolation: iso } });
  }
  const client = new BenchClient();
  const get = async (url: string, expectTier: string | null, expectBody: string) => {
    const r = await client.get(url);
    if (r.status !== 200 || (expectTier && r.tier !== expectTier)) throw new Error(`${url}: ${r.status} ${r.tier} (expected ${expectTier})`);
    return r.ms;
  };
  for (const fn of fns) {
    log(`http: ${fn.name}`);
    specs.set(fn.name, spec(fn.name, fn.dir));
    specs.set(`${fn.name}-pool`, spec(`${fn.name}-pool`, fn.dir, { prewarm: 1 }));
    if (fn.reentrant) specs.set(`${fn.name}-hot`, spec(`${fn.name}-hot`, fn.dir, { reuse: true }));
    const samples: Record<string, number[]> = {};
    const push = (k: string, v: number) => (samples[k] ??= []).push(v);
    try {
      for (let r = 0; r <= R; r++) {
        const keep = r > 0;
        for (const iso of r % 2 ? [...ISOS].reverse() : ISOS) {
          const h = hosts[iso];
          const u = `${h.url}/fn`;
          dropCompiled(h.engine);
          await client.get(`${h.url}/healthz`); // keep-alive connection open before the cold request
          const c = await get(`${u}/${fn.name}/?name=b`, 'cold', fn.expect);
          if (keep) push(`${iso}.cold`, c);
          for (let i = 0; i < P; i++) {
            const w = await get(`${u}/${fn.name}/?name=b`, 'warm', fn.expect);
            if (keep) push(`${iso}.warm`, w);
          }
          for (let i = 0; i < P; i++) {
            await h.engine.prepare(specs.get(`${fn.name}-pool`)!);
            const w = await get(`${u}/${fn.name}-pool/?name=b`, 'prewarmed', fn.expect);
            if (keep) push(`${iso}.prewarmed`, w);
          }
          if (fn.reentrant) {
            await get(`${u}/${fn.name}-hot/`, 'warm', fn.expect);
            for (let i = 0; i < P; i++) {
              const w = await get(`${u}/${fn.name}-hot/`, 'hot', fn.expect);
              if (keep) push(`${iso}.hot`, w);
            }
          }
        }
      }
    } catch (e) {
      notAvailable(`http.*.${fn.name}`, `failed: ${errText(e)}`);
      continue;
    }
    for (const [k, v] of Object.entries(samples)) {
      const [iso, tier] = k.split('.') as [string, string];
      add(`http.wisp-${iso}.${fn.name}.${tier}`, v, 'ms', { section: 'http', subject: `wisp-${iso}`, fn: fn.name, tier, wisp: true });
    }
  }
  // Peers over HTTP, one request at a time (their only tier: what they do per request).
  if (peerUrls.length) {
    log('http: peers');
    const samples: Record<string, number[]> = {};
    try {
      for (let r = 0; r <= R; r++) {
        for (const p of r % 2 ? [...peerUrls].reverse() : peerUrls) {
          for (let i = 0; i < P; i++) {
            const ms = await get(p.url, null, p.expect);
            if (r > 0) (samples[`${p.subject}|${p.fn}`] ??= []).push(ms);
          }
        }
      }
    } catch (e) {
      notAvailable('http.peers', `failed: ${errText(e)}`);
    }
    for (const [k, v] of Object.entries(samples)) {
      const [subject, fn] = k.split('|') as [string, string];
      add(`http.${subject}.${fn}.warm`, v, 'ms', { section: 'http', subject, fn, tier: 'warm', wisp: false, note: 'per-request work of the peer' });
    }
  }
  await client.close();
  return hosts;
}

// ---------------------------------------------------------------- peer servers

interface Servers {
  hono?: Child;
  cgi?: Child;
  workerd?: { js: string; wasm: string; child: Child };
  wisp?: Child;
}

function writeWorkerdConfig(dir: string, wasm: string | undefined, jsPort: number, wasmPort: number | null): string {
  mkdirSync(dir, { recursive: true });
  for (const f of ['workerd-js.mjs', 'workerd-wasm.mjs', 'preview1.mjs']) writeFileSync(join(dir, f), readFileSync(join(peersSrc, f)));
  if (wasm) writeFileSync(join(dir, 'hello.wasm'), readFileSync(wasm));
  const date = '2025-01-01';
  const services = [`(name = "js", worker = (modules = [(name = "worker.mjs", esModule = embed "workerd-js.mjs")], compatibilityDate = "${date}"))`];
  const sockets = [`(name = "js", address = "127.0.0.1:${jsPort}", http = (), service = "js")`];
  if (wasm && wasmPort) {
    services.push(
      `(name = "wasm", worker = (modules = [(name = "worker.mjs", esModule = embed "workerd-wasm.mjs"), (name = "preview1.mjs", esModule = embed "preview1.mjs"), (name = "hello.wasm", wasm = embed "hello.wasm")], compatibilityDate = "${date}"))`,
    );
    sockets.push(`(name = "wasm", address = "127.0.0.1:${wasmPort}", http = (), service = "wasm")`);
  }
  const cfg = join(dir, 'config.capnp');
  writeFileSync(cfg, `using Workerd = import "/workerd/workerd.capnp";\nconst config :Workerd.Config = (\n  services = [${services.join(',\n    ')}],\n  sockets = [${sockets.join(',\n    ')}],\n);\n`);
  return cfg;
}

async function startWorkerd(wasm: string | undefined, withWasm: boolean, pollMs = 2): Promise<{ js: string; wasm: string; child: Child }> {
  const bin = peerBin('workerd');
  if (bin instanceof Error) throw bin;
  const jsPort = await freePort();
  const wasmPort = withWasm ? await freePort() : null;
  const cfg = writeWorkerdConfig(join(tmp, `workerd-${jsPort}`), wasm, jsPort, wasmPort);
  const child = await startChild({ cmd: bin, args: ['serve', cfg], port: jsPort, pollMs });
  return { js: child.url, wasm: `http://127.0.0.1:${wasmPort}`, child };
}

function wispFunctionsDir(fns: Fn[], name = 'functions'): string {
  const d = join(tmp, name);
  mkdirSync(d, { recursive: true });
  const pick = fns.filter((f) => ['hello-c', 'hello-rust', 'hello-js'].includes(f.name));
  writeFileSync(join(d, 'functions.json'), JSON.stringify({ functions: pick.map((f) => ({ name: f.name, artifact: f.dir })) }, null, 2));
  return d;
}

/** The host as it is run in production: bin/wisp-host (from the V8 startup snapshot when
 *  `npm run build:ts` made one; docs/bench.md "Startup snapshot"), or `node bin/wisp.js` (the
 *  ES module bundle) for the spawn section's comparison. */
const wispUp = (functionsDir: string, data: string, launcher: 'wisp-host' | 'wisp.js' = 'wisp-host') =>
  startChild({
    cmd: launcher === 'wisp-host' ? join(root, 'bin/wisp-host') : process.execPath,
    args: [...(launcher === 'wisp-host' ? [] : [join(root, 'bin/wisp.js')]), 'up', '--port', '0', '--data', data, '--functions', functionsDir],
    ready: { stream: 'stderr', re: /serving \d+ functions on (http:\/\/[^/\s]+)/ },
    timeoutMs: 60_000,
  });

async function startServers(fns: Fn[], bins: ReturnType<typeof buildPeerBinaries>): Promise<Servers> {
  const s: Servers = {};
  const portRe = { stream: 'stdout' as const, re: /PORT (\d+)/ };
  try {
    s.hono = await startChild({ cmd: process.execPath, args: [join(peersSrc, 'hono-server.mjs')], env: bins.wasm['hello-c'] ? { WASM: bins.wasm['hello-c'] } : {}, ready: portRe });
    children.push(s.hono);
    const ver = (p: string) => JSON.parse(readFileSync(join(root, 'node_modules', p, 'package.json'), 'utf8')).version;
    peersInfo.hono = `hono ${ver('hono')} + @hono/node-server ${ver('@hono/node-server')} (the project's own), 'hi' on GET /; 'hono-v8' = GET /wasm: a new raw V8 instance of the preview1 hello-c per request`;
  } catch (e) {
    notAvailable('hono', errText(e));
  }
  if (bins.native) {
    try {
      s.cgi = await startChild({ cmd: process.execPath, args: [join(peersSrc, 'cgi-server.mjs')], env: { NATIVE: bins.native }, ready: portRe });
      children.push(s.cgi);
      peersInfo['cgi-native'] = 'node:http spawning the gcc-built hello-c per request (CGI)';
    } catch (e) {
      notAvailable('cgi-native', errText(e));
    }
  }
  try {
    s.workerd = await startWorkerd(bins.wasm['hello-c'], true);
    children.push(s.workerd.child);
    const v = execFileSync(peerBin('workerd') as string, ['--version'], { encoding: 'utf8' }).trim();
    peersInfo.workerd = `${v} (npm workerd, from ${PEERS_DIR}): 'workerd' = the JS hello as a Worker; 'workerd-wasm' = a Worker making a new instance of the preview1 hello-c per request (shim: bench/peers/preview1.mjs)`;
  } catch (e) {
    notAvailable('workerd', errText(e));
  }
  try {
    s.wisp = await wispUp(wispFunctionsDir(fns), join(tmp, 'wisp-load-data'));
    children.push(s.wisp);
    peersInfo['wisp (child)'] = '`node bin/wisp.js up --port 0` in its own process (registry, StreamLog to /dev/null, isolation worker): the product as deployed';
  } catch (e) {
    notAvailable('wisp up', errText(e));
  }
  return s;
}

// ---------------------------------------------------------------- load (wrk)

async function underLoad(servers: Servers, inlineHost: Host | undefined, fns: Fn[]): Promise<void> {
  const bin = which('wrk');
  if (!bin) return notAvailable('load.*', 'wrk not installed (apt-get install -y wrk)');
  peersInfo.wrk = `${execFileSync('sh', ['-c', `${bin} -v 2>&1 | head -1`], { encoding: 'utf8' }).trim()}: -t1 -c2, ${LOAD_SECONDS} s per run, ${LOAD_ROUNDS} interleaved round(s); the client shares the 2 cores`;
  const has = (n: string) => fns.some((f) => f.name === n);
  const subjects: { subject: string; fn: string; url: string; wisp: boolean }[] = [];
  if (servers.wisp) {
    for (const n of ['hello-c', 'hello-rust', 'hello-js']) if (has(n) && (n !== 'hello-rust' || !quick)) subjects.push({ subject: 'wisp', fn: n, url: `${servers.wisp.url}/fn/${n}/?name=b`, wisp: true });
  }
  if (inlineHost) {
    // the in-process inline host still has hello-c registered from the HTTP section
    subjects.push({ subject: 'wisp-inline', fn: 'hello-c', url: `${inlineHost.url}/fn/hello-c/?name=b`, wisp: true });
  }
  if (servers.hono) {
    subjects.push({ subject: 'hono', fn: 'hi', url: `${servers.hono.url}/`, wisp: false });
    subjects.push({ subject: 'hono-v8', fn: 'hello-c', url: `${servers.hono.url}/wasm?name=b`, wisp: false });
  }
  if (servers.workerd) {
    subjects.push({ subject: 'workerd', fn: 'hello-js', url: `${servers.workerd.js}/?name=b`, wisp: false });
    subjects.push({ subject: 'workerd-wasm', fn: 'hello-c', url: `${servers.workerd.wasm}/?name=b`, wisp: false });
  }
  if (servers.cgi) subjects.push({ subject: 'cgi-native', fn: 'hello-c', url: `${servers.cgi.url}/?name=b`, wisp: false });
  const res: Record<string, { rps: number[]; p50: number[]; p99: number[] }> = {};
  for (const s of subjects) {
    // correctness + warm-up
    try {
      const r = await fetch(s.url);
      const body = await r.text();
      if (r.status !== 200 || !(body.includes('Hello, b') || body === 'hi')) throw new Error(`${r.status} ${body.slice(0, 80)}`);
      if (!quick) await wrk(bin, s.url, 1);
      else for (let i = 0; i < 50; i++) await (await fetch(s.url)).arrayBuffer();
    } catch (e) {
      notAvailable(`load.${s.subject}.${s.fn}`, `not serving correctly: ${errText(e)}`);
      s.url = '';
    }
  }
  const live = subjects.filter((s) => s.url);
  for (let r = 0; r < LOAD_ROUNDS; r++) {
    // rotate the order every round so no subject always runs right after the same one
    const order = live.map((_, i) => live[(i + r) % live.length]!);
    for (const s of order) {
      log(`load: ${s.subject} ${s.fn} (round ${r + 1}/${LOAD_ROUNDS})`);
      try {
        const w = await wrk(bin, s.url, LOAD_SECONDS);
        if (w.errors) throw new Error(w.errors);
        const k = `${s.subject}|${s.fn}`;
        res[k] ??= { rps: [], p50: [], p99: [] };
        res[k]!.rps.push(w.rps);
        res[k]!.p50.push(w.p50);
        res[k]!.p99.push(w.p99);
      } catch (e) {
        notAvailable(`load.${s.subject}.${s.fn}`, `wrk: ${errText(e)}`);
      }
    }
  }
  for (const s of live) {
    const v = res[`${s.subject}|${s.fn}`];
    if (!v) continue;
    const meta = { section: 'load', subject: s.subject, fn: s.fn, wisp: s.wisp };
    add(`load.${s.subject}.${s.fn}.rps`, v.rps, 'req/s', { ...meta, tier: 'rps' });
    add(`load.${s.subject}.${s.fn}.p50`, v.p50, 'ms', { ...meta, tier: 'p50', note: 'median over runs of each run’s p50' });
    add(`load.${s.subject}.${s.fn}.p99`, v.p99, 'ms', { ...meta, tier: 'p99', note: 'median over runs of each run’s p99' });
  }
}

// ---------------------------------------------------------------- spawn -> first response

async function spawnBench(fns: Fn[], bins: ReturnType<typeof buildPeerBinaries>): Promise<void> {
  const fnsDir = wispFunctionsDir(fns.filter((f) => f.name === 'hello-c'));
  const data = join(tmp, 'wisp-spawn-data'); // seeded by the warm-up round: later spawns are restarts
  const node = process.execPath;
  const portRe = { stream: 'stdout' as const, re: /PORT (\d+)/ };
  const subjects: { subject: string; fn: string; wisp: boolean; run: () => Promise<number> }[] = [];
  if (fns.some((f) => f.name === 'hello-c')) {
    subjects.push({ subject: 'wisp', fn: 'hello-c', wisp: true, run: () => firstResponse(() => wispUp(fnsDir, data), '/fn/hello-c/?name=b', 'Hello, b') });
    subjects.push({ subject: 'wisp-esm', fn: 'hello-c', wisp: true, run: () => firstResponse(() => wispUp(fnsDir, data, 'wisp.js'), '/fn/hello-c/?name=b', 'Hello, b') });
  }
  if (fns.some((f) => f.name === 'hello-js')) {
    // Not a target: what a JS function's first caller waits for (a worker boots, the glue loads,
    // StarlingMonkey's functions compile on first call).
    const jsDir = wispFunctionsDir(fns.filter((f) => f.name === 'hello-js'), 'functions-spawn-js');
    const jsData = join(tmp, 'wisp-spawn-js-data');
    subjects.push({ subject: 'wisp', fn: 'hello-js', wisp: true, run: () => firstResponse(() => wispUp(jsDir, jsData), '/fn/hello-js/?name=b', 'Hello, b') });
  }
  subjects.push({ subject: 'node-e', fn: 'hi', wisp: false, run: () => firstResponse(() => startChild({ cmd: node, args: ['-e', NODE_E_HI], ready: portRe }), '/', 'hi') });
  subjects.push({ subject: 'hono', fn: 'hi', wisp: false, run: () => firstResponse(() => startChild({ cmd: node, args: [join(peersSrc, 'hono-server.mjs')], ready: portRe }), '/', 'hi') });
  if (!(peerBin('workerd') instanceof Error)) {
    subjects.push({
      subject: 'workerd',
      fn: 'hello-js',
      wisp: false,
      run: async () => {
        const jsPort = await freePort();
        const cfg = writeWorkerdConfig(join(tmp, `workerd-spawn-${jsPort}`), undefined, jsPort, null);
        return firstResponse(() => startChild({ cmd: peerBin('workerd') as string, args: ['serve', cfg], port: jsPort, pollMs: 1 }), '/?name=b', 'Hello, b');
      },
    });
  } else notAvailable('spawn.workerd.hello-js', (peerBin('workerd') as Error).message);
  if (bins.native) {
    const native = bins.native;
    subjects.push({
      subject: 'native-spawn',
      fn: 'hello-c',
      wisp: false,
      run: () =>
        new Promise((resolve, reject) => {
          const t = performance.now();
          const p = spawn(native, [], { env: { QUERY_STRING: 'name=b' }, stdio: ['ignore', 'pipe', 'ignore'] });
          let s = '';
          p.stdout.on('data', (d) => (s += d));
          p.on('error', reject);
          p.on('close', () => (s.includes('Hello, b') ? resolve(performance.now() - t) : reject(new Error(s))));
        }),
    });
  }
  const samples: Record<string, number[]> = {};
  for (let r = 0; r <= SPAWN_ROUNDS; r++) {
    const order = subjects.map((_, i) => subjects[(i + r) % subjects.length]!);
    for (const s of order) {
      try {
        const ms = await s.run();
        if (r > 0) (samples[`${s.subject}|${s.fn}`] ??= []).push(ms);
      } catch (e) {
        notAvailable(`spawn.${s.subject}.${s.fn}`, errText(e));
      }
    }
    log(`spawn: round ${r}/${SPAWN_ROUNDS}`);
  }
  for (const s of subjects) {
    const v = samples[`${s.subject}|${s.fn}`];
    if (v) {
      add(`spawn.${s.subject}.${s.fn}`, v, 'ms', {
        section: 'spawn',
        subject: s.subject,
        fn: s.fn,
        tier: 'spawn',
        wisp: s.wisp,
        note: s.subject === 'native-spawn' ? 'process spawn -> exit with output, no HTTP' : s.subject === 'workerd' ? 'readiness by polling connect every 1 ms' : s.subject === 'wisp'
              ? `bin/wisp-host (${existsSync(join(root, 'dist/bundle/host.blob')) ? 'V8 startup snapshot' : 'NO snapshot built: fell back to bin/wisp.js'}); restart: registry seeded, artifact built`
              : s.subject === 'wisp-esm'
                ? 'node bin/wisp.js (ES module bundle, no snapshot); restart'
                : undefined,
      });
    }
  }
}

// ---------------------------------------------------------------- fuel (bench/fuel.mjs)

function fuelFigures(): void {
  const path = join(resultsDir, 'fuel.json');
  let source = 'imported';
  if (FUEL_ROUNDS > 0) {
    try {
      log(`fuel: node bench/fuel.mjs --rounds ${FUEL_ROUNDS}`);
      execFileSync(process.execPath, [join(root, 'bench/fuel.mjs'), '--rounds', String(FUEL_ROUNDS)], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 600_000 });
      source = 'this run';
    } catch (e) {
      notAvailable('fuel.v8.*', `bench/fuel.mjs failed: ${errText(e)}`);
    }
  }
  if (!existsSync(path)) return notAvailable('fuel.v8.*', 'bench/results/fuel.json missing (run node bench/fuel.mjs)');
  const f = JSON.parse(readFileSync(path, 'utf8')) as { date: string; rounds: number; results: Record<string, { plainMs: number; variants: Record<string, { ms: number; slowdownPct: number; fuelUsed: number }> }> };
  const note = source === 'this run' ? `bench/fuel.mjs, ${f.rounds} rounds, medians only` : `imported from bench/results/fuel.json of ${f.date} (--quick does not rerun it)`;
  for (const [k, v] of Object.entries(f.results)) {
    const d = v.variants.default;
    if (!d) continue;
    const base = { section: 'fuel', fn: k, wisp: true, p90: null, min: null, max: null, n: f.rounds, spread: null };
    figures[`fuel.v8.${k}.plain`] = { ...base, median: v.plainMs, unit: 'ms', subject: 'v8 uninstrumented', tier: 'plain', wisp: false };
    figures[`fuel.v8.${k}.instrumented`] = { ...base, median: d.ms, unit: 'ms', subject: 'wisp fuel pass', tier: 'fuel', note: `fuel used ${(d.fuelUsed / 1e6).toFixed(1)} M` };
    figures[`fuel.v8.${k}.slowdown`] = { ...base, median: d.slowdownPct, unit: '%', subject: 'wisp fuel pass', tier: 'slowdown', note };
  }
}

// ---------------------------------------------------------------- targets

function targets(): Target[] {
  const T: Target[] = [];
  const med = (k: string) => figures[k]?.median ?? null;
  const absolute = (id: string, text: string, key: string, limit: number, unit = 'ms') => {
    const v = med(key);
    T.push({ id, text, measured: key, value: v, unit, limit, cmp: '<=', verdict: v === null ? 'n/a' : v <= limit ? 'PASS' : 'MISS', why: v === null ? (na[key] ?? 'not measured in this run') : undefined });
  };
  const ratio = (id: string, text: string, a: string, b: string, cmp: '<=' | '>=', limit: number) => {
    const v = ratioVerdict({ key: a, fig: figures[a] }, { key: b, fig: figures[b] }, cmp, limit, fmtValue);
    T.push({ id, text, measured: `${a} / ${b}`, unit: 'x', limit, cmp, ...v });
  };
  for (const fn of ['hello-c', 'hello-rust']) {
    for (const iso of ISOS) absolute(`warm-${fn}-${iso}`, `tiny ${fn.slice(6) === 'c' ? 'C' : 'Rust'} function, warm start in-process (fresh instance + run), isolation ${iso}`, `inproc.wisp-${iso}.${fn}.warm`, 0.05);
  }
  for (const iso of ISOS) {
    absolute(`js-prewarmed-${iso}`, `JS hello (12 MB StarlingMonkey), prewarmed, in-process, ${iso}`, `inproc.wisp-${iso}.hello-js.prewarmed`, 1);
    absolute(`js-warm-${iso}`, `JS hello, warm, in-process, ${iso}`, `inproc.wisp-${iso}.hello-js.warm`, 5);
    absolute(`js-cold-${iso}`, `JS hello, cold, in-process, ${iso}`, `inproc.wisp-${iso}.hello-js.cold`, 30);
  }
  ratio('rps-vs-hono', 'HTTP warm throughput of hello-c (wisp up) ≥ 0.8x bare Hono "hi"', 'load.wisp.hello-c.rps', 'load.hono.hi.rps', '>=', 0.8);
  ratio('rps-vs-workerd', "HTTP warm throughput of hello-c (wisp up) ≥ 3x workerd's wasm-instance-per-request", 'load.wisp.hello-c.rps', 'load.workerd-wasm.hello-c.rps', '>=', 3);
  ratio('spawn-vs-node', 'host spawn -> first function response ≤ 1.5x bare `node -e`', 'spawn.wisp.hello-c', 'spawn.node-e.hi', '<=', 1.5);
  return T;
}

// ---------------------------------------------------------------- main

const METHOD = [
  `Every figure is the median of repeated samples (n given), with p90, min, max and spread = (p90 - min) / median. Round 0 of every loop is a discarded warm-up. ${quick ? '--quick: few samples; figures are a smoke test, not a measurement.' : ''}`,
  'A/B interleaving: in-process and HTTP tiers alternate isolation worker/inline every round (order reversed on odd rounds), with the in-process peers sampled in the same rounds; wrk runs and spawns rotate their subject order every round.',
  'Tiers: cold = nothing compiled in memory (compiled modules evicted through the module cache, which makes workers drop theirs; the artifact files are in the OS page cache and the glue JS stays in Node’s module cache); warm = compiled modules cached, fresh instance (for C, Rust and AssemblyScript: the pooled instance of an earlier invocation reset to the state of a new instance, docs/runtime.md, Recycled instances; wisp-inline-new-instance is the same inline warm start with recycling off, WISP_RECYCLE=0); prewarmed = instance from a pool refilled outside the timed span; hot = reused instance (counter-js only: other functions are n/a).',
  'In-process = engine.invoke(spec, request) -> result, timed around the call on the main thread (worker isolation includes the postMessage round trip). HTTP = a fetch from a client on its own worker thread over a keep-alive connection to a host in this process (MemoryLog).',
  'Load = wrk -t1 -c2 on 127.0.0.1 against `wisp up` in its own process (isolation worker, default config, prewarm 0: every request is a warm start) and each peer in its own process; client and server share the 2 cores.',
  'Spawn = spawn() -> readiness (the URL on stderr/stdout, or connect polling for workerd) -> one GET answered; Wisp restarts on a data dir seeded by the warm-up round (artifact pre-built).',
  `Targets are checked on the medians of this run; ratios are ratios of medians of subjects measured interleaved in this run. A MISS is reported as measured. A ratio is UNSTABLE (neither PASS nor MISS) when either figure's spread is over ${UNSTABLE_SPREAD * 100} %: the subject ran in two modes (bare Hono does on this VM).`,
  'Load average is recorded at each section boundary: other engineers’ builds run on the same 2-core machine; treat differences under ~30 % between runs as noise.',
];

async function main(): Promise<void> {
  const machine = machineInfo(root);
  log(`machine: ${machine.cpuModel}, ${machine.cores} cores, node ${machine.node}, load ${load[0]!.load.join('/')}; ${quick ? 'quick' : 'full'} run`);
  const fns = await buildFns();
  const bins = buildPeerBinaries();
  const sampleFns = fns.filter((f) => LANGS.includes(f.lang) || f.reentrant);

  if (want('inproc')) {
    const peers = await inProcessPeers(bins);
    await inProcess(sampleFns, peers);
    load.push(loadNow('after in-process'));
    log('in-process: wasmtime (python)');
    wasmtimePeer(bins);
  }
  let servers: Servers = {};
  if (want('http') || want('load')) servers = await startServers(fns, bins);
  let hosts: Record<Iso, Host> | undefined;
  if (want('http') || want('load')) {
    const peerUrls: { subject: string; fn: string; url: string; expect: string }[] = [];
    if (servers.hono) peerUrls.push({ subject: 'hono', fn: 'hi', url: `${servers.hono.url}/`, expect: 'hi' }, { subject: 'hono-v8', fn: 'hello-c', url: `${servers.hono.url}/wasm?name=b`, expect: 'Hello, b' });
    if (servers.workerd) peerUrls.push({ subject: 'workerd', fn: 'hello-js', url: `${servers.workerd.js}/?name=b`, expect: 'Hello, b' }, { subject: 'workerd-wasm', fn: 'hello-c', url: `${servers.workerd.wasm}/?name=b`, expect: 'Hello, b' });
    if (servers.cgi) peerUrls.push({ subject: 'cgi-native', fn: 'hello-c', url: `${servers.cgi.url}/?name=b`, expect: 'Hello, b' });
    hosts = await overHttp(want('http') ? sampleFns : sampleFns.filter((f) => f.name === 'hello-c'), want('http') ? peerUrls : []);
    load.push(loadNow('after HTTP'));
  }
  if (want('load')) {
    await underLoad(servers, hosts?.inline, fns);
    load.push(loadNow('after load'));
  }
  if (hosts) for (const h of Object.values(hosts)) await h.close();
  await Promise.all(children.map((c) => c.stop()));
  if (want('spawn')) {
    await spawnBench(fns, bins);
    load.push(loadNow('after spawn'));
  }
  if (want('fuel')) {
    fuelFigures();
    load.push(loadNow('after fuel'));
  }
  for (const l of ALL_LANGS.filter((x) => !LANGS.includes(x))) na[`*.hello-${l}`] = '--quick measures hello-c, hello-rust and hello-js only';
  for (const fn of ['hello-js', 'hello-ts', 'hello-go', 'hello-assemblyscript', 'hello-python', 'hello-ruby']) {
    if (LANGS.includes(fn.slice(6))) na[`inproc.{wasmtime,wasmer-wasi,v8-preview1}.${fn}`] = fn === 'hello-js' || fn === 'hello-ts' || fn === 'hello-python' ? 'a wasi:http component: the peers here run preview1 core modules (wasmtime-py has no component/wasi-http host); workerd runs the JS source itself' : 'not built as a preview1 core module for the peers (only C and Rust are, per the issue)';
  }
  const report: Report = {
    suite: 'wisp cold-start bench (bench/index.ts)',
    quick,
    machine,
    load,
    durationS: (performance.now() - t0) / 1000,
    method: METHOD,
    figures,
    na,
    targets: targets(),
    peers: peersInfo,
  };
  const dir = outDir ?? resultsDir;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(dir, 'latest.md'), markdown(report));
  writeFileSync(join(dir, 'latest.svg'), svg(report));
  log(`wrote ${dir}/latest.{json,md,svg}`);
  console.log(['| target | value | limit | verdict |', '|---|---|---|---|', ...report.targets.map((t) => `| ${t.text} | ${t.value === null ? '–' : fmtValue(t.value, t.unit)} | ${t.cmp} ${fmtValue(t.limit, t.unit)} | ${t.verdict} |`)].join('\n'));
}

if (argv.includes('--render')) {
  // Re-render latest.md / latest.svg from latest.json (after editing the renderers).
  const report = JSON.parse(readFileSync(join(resultsDir, 'latest.json'), 'utf8')) as Report;
  writeFileSync(join(resultsDir, 'latest.md'), markdown(report));
  writeFileSync(join(resultsDir, 'latest.svg'), svg(report));
  await rm(tmp, { recursive: true, force: true });
  process.exit(0);
}

try {
  await main();
} finally {
  await cleanup();
}
process.exit(0);
