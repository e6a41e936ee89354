// First startup microbenchmark: cold / warm / hot / prewarmed start of the two hellos,
// in-process (engine.invoke) and end to end over HTTP on 127.0.0.1. Prints medians in µs and
// writes bench/results/startup.json. `--quick` takes fewer samples.
//
// Tiers as the engine defines them (runtime/engine/engine.ts): cold = a fresh engine, nothing
// compiled (the glue JS stays in Node's module cache after the first import, as it would in a
// long-running host); warm = compiled modules cached, fresh instance; hot = reused instance
// (only functions that export the handler directly can be re-entered: counter-js);
// prewarmed = instance taken from a pool that was filled before the request.

import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from '../compiler/build.js';
import { Engine } from '../runtime/engine/engine.js';
import type { FunctionSpec, InvokeRequest, Tier } from '../runtime/engine/types.js';
import { DEFAULTS } from '../runtime/functions/defaults.js';
import type { Resolver } from '../runtime/invoke/invoker.js';
import { notFound } from '../runtime/registry/errors.js';
import { startHost } from '../runtime/host.js';
import { MemoryLog } from '../runtime/http/log.js';
import { BenchClient } from './lib/client.js';
import { machine, summarize, us, type Summary } from './lib/stats.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url)).replace(/dist\/?$/, '');
const root = ROOT.endsWith('/') ? ROOT : `${ROOT}/`;
const quick = process.argv.includes('--quick');
const N = quick ? 15 : 60;
const N_COLD = quick ? 5 : 20;
const dataDir = join(root, '.wisp', 'bench');

const FUNCTIONS = [
  { name: 'hello-c', src: 'examples/hello-c' },
  { name: 'hello-js', src: 'examples/hello-js' },
  { name: 'counter-js', src: 'test/fixtures/counter-js' },
];

function spec(name: string, dir: string, over: Partial<FunctionSpec> = {}): FunctionSpec {
  return { name, version: '$LATEST', artifactDir: dir, env: {}, ...DEFAULTS, ...over };
}

function request(i: number): InvokeRequest {
  return {
    requestId: `bench-${i}`,
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

type Figures = Record<string, Summary & { unit: 'ms' }>;

async function inProcess(name: string, dir: string, figures: Figures): Promise<void> {
  const time = async (engine: Engine, s: FunctionSpec, expect: Tier, i: number) => {
    const t = performance.now();
    const r = await engine.invoke(s, request(i));
    const ms = performance.now() - t;
    if (r.error || r.tier !== expect) throw new Error(`${name}: expected ${expect}, got ${r.tier} ${JSON.stringify(r.error)}`);
    return ms;
  };
  const cold: number[] = [];
  for (let i = 0; i < N_COLD; i++) cold.push(await time(new Engine(), spec(name, dir), 'cold', i));
  figures[`inproc.${name}.cold`] = { ...summarize(cold), unit: 'ms' };

  const engine = new Engine();
  const s = spec(name, dir);
  await engine.prepare(s);
  const warm: number[] = [];
  for (let i = 0; i < N; i++) warm.push(await time(engine, s, 'warm', i));
  figures[`inproc.${name}.warm`] = { ...summarize(warm), unit: 'ms' };

  const pooled = spec(`${name}-pool`, dir, { prewarm: 1 });
  const pre: number[] = [];
  for (let i = 0; i < N; i++) {
    await engine.prepare(pooled); // refill outside the measured span
    pre.push(await time(engine, pooled, 'prewarmed', i));
  }
  figures[`inproc.${name}.prewarmed`] = { ...summarize(pre), unit: 'ms' };

  if (name === 'counter-js') {
    const hot = spec(`${name}-hot`, dir, { reuse: true });
    await time(engine, hot, 'warm', 0);
    const samples: number[] = [];
    for (let i = 0; i < N; i++) samples.push(await time(engine, hot, 'hot', i));
    figures[`inproc.${name}.hot`] = { ...summarize(samples), unit: 'ms' };
  }
  engine.close();
}

async function overHttp(name: string, dir: string, figures: Figures): Promise<void> {
  const specs = new Map<string, FunctionSpec>();
  const resolver: Resolver = {
    resolve: (n) => {
      const spec = specs.get(n);
      if (!spec) throw notFound(n);
      return { spec, reserved: null };
    },
  };
  const hostDir = await mkdtemp(join(tmpdir(), 'wisp-bench-'));
  const hostOpts = { port: 0, resolver, dataDir: hostDir, log: new MemoryLog(1) };
  const client = new BenchClient();
  const get = async (url: string, expect: string) => {
    const r = await client.get(url);
    if (r.status !== 200 || r.tier !== expect) throw new Error(`${url}: ${r.status} ${r.tier} (expected ${expect})`);
    return r.ms;
  };
  const cold: number[] = [];
  for (let i = 0; i < N_COLD; i++) {
    specs.set(name, spec(name, dir));
    const host = await startHost(hostOpts);
    await host.engine.prepare(specs.get(name)!); // (prewarm 0: only loads the artifact metadata)
    host.engine.modules.delete(dir); // nothing compiled in memory: the next request is cold
    await client.get(`${host.url}/healthz`); // open the keep-alive connection first
    cold.push(await get(`${host.url}/fn/${name}/?name=b`, 'cold'));
    await host.close();
  }
  figures[`http.${name}.cold`] = { ...summarize(cold), unit: 'ms' };

  specs.set(name, spec(name, dir));
  specs.set(`${name}-pool`, spec(`${name}-pool`, dir, { prewarm: 1 }));
  if (name === 'counter-js') specs.set(`${name}-hot`, spec(`${name}-hot`, dir, { reuse: true }));
  const host = await startHost(hostOpts);
  for (const s of specs.values()) await host.engine.prepare(s);
  await get(`${host.url}/fn/${name}/`, 'warm');
  const warm: number[] = [];
  for (let i = 0; i < N; i++) warm.push(await get(`${host.url}/fn/${name}/?name=b`, 'warm'));
  figures[`http.${name}.warm`] = { ...summarize(warm), unit: 'ms' };
  const pre: number[] = [];
  for (let i = 0; i < N; i++) {
    await host.engine.prepare(specs.get(`${name}-pool`)!);
    pre.push(await get(`${host.url}/fn/${name}-pool/?name=b`, 'prewarmed'));
  }
  figures[`http.${name}.prewarmed`] = { ...summarize(pre), unit: 'ms' };
  if (name === 'counter-js') {
    await get(`${host.url}/fn/${name}-hot/`, 'warm');
    const hot: number[] = [];
    for (let i = 0; i < N; i++) hot.push(await get(`${host.url}/fn/${name}-hot/`, 'hot'));
    figures[`http.${name}.hot`] = { ...summarize(hot), unit: 'ms' };
  }
  await host.close();
  await client.close();
}

async function main(): Promise<void> {
  const figures: Figures = {};
  for (const f of FUNCTIONS) {
    const { dir } = await build(join(root, f.src), { cacheDir: dataDir, onProgress: (l) => console.error(l) });
    await inProcess(f.name, dir, figures);
    await overHttp(f.name, dir, figures);
  }
  const rows = Object.entries(figures).map(([k, v]) => `| ${k} | ${us(v.median)} | ${us(v.p90)} | ${us(v.min)} | ${v.n} |`);
  console.log(['| figure | median µs | p90 µs | min µs | n |', '|---|---|---|---|---|', ...rows].join('\n'));
  await mkdir(join(root, 'bench', 'results'), { recursive: true });
  await writeFile(join(root, 'bench', 'results', 'startup.json'), JSON.stringify({ machine: machine(), quick, figures }, null, 2));
}

await main();
