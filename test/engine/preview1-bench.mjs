// Warm start of command functions: the component path (preview1 adapter + jco glue + Wisp's
// WASI 0.2 host) against the preview1 fast path (the core module on Wisp's preview1 host),
// inline (main thread) and in workers, interleaved A/B in one process. Medians over N runs
// after a warm-up. Needs dist/ (`npx tsc -p .`). Usage:
//   node test/engine/preview1-bench.mjs [N=400] [fn ...]     (fn: examples/<fn>, default hello-c hello-rust)
// Figures and method: docs/runtime.md.
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const { build } = await import(join(ROOT, 'dist/compiler/build.js'));
const { Engine } = await import(join(ROOT, 'dist/runtime/engine/engine.js'));
const { DEFAULTS } = await import(join(ROOT, 'dist/runtime/functions/defaults.js'));

const N = Number(process.argv[2] ?? 400);
const fns = process.argv.slice(3).length ? process.argv.slice(3) : ['hello-c', 'hello-rust'];
const WARMUP = 300;
const cacheDir = join(ROOT, '.wisp', 'bench-preview1');

const request = (i) => ({
  requestId: `bench-${i}`, method: 'GET', path: '/anything', query: 'name=bench',
  headers: [['host', '127.0.0.1']], body: new Uint8Array(0), scheme: 'http', authority: '127.0.0.1', remoteAddr: '127.0.0.1',
});
const q = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };
const us = (ms) => (ms * 1000).toFixed(1);

// CONFIGS=preview1.inline,component.worker,... picks a subset (default: all four).
const configs = (process.env.CONFIGS ?? 'component.inline,preview1.inline,component.worker,preview1.worker')
  .split(',')
  .map((c) => c.split('.'));
const results = {};
for (const fn of fns) {
  const { dir, meta } = await build(join(ROOT, 'examples', fn), { cacheDir });
  if (!meta.preview1) throw new Error(`${fn}: artifact has no preview1 module`);
  const spec = { name: fn, version: '$LATEST', artifactDir: dir, env: {}, ...DEFAULTS };
  const engines = configs.map(([path, isolation]) => new Engine({ isolation, preview1: path === 'preview1', minWorkers: 2 }));
  const times = configs.map(() => []);
  let i = 0;
  const once = async (k, measured = true) => {
    const t = performance.now();
    const r = await engines[k].invoke(spec, request(i++));
    const ms = performance.now() - t;
    if (r.error || (measured && r.tier !== 'warm')) throw new Error(`${fn} ${configs[k]}: ${JSON.stringify(r.error ?? r.tier)}`);
    return ms;
  };
  if (process.env.BLOCKS) {
    // Each configuration alone (warm-up, then N in a row): what it costs without the others'
    // garbage and thread wake-ups in between.
    for (let k = 0; k < configs.length; k++) {
      for (let w = 0; w < WARMUP; w++) await once(k, false);
      for (let n = 0; n < N; n++) times[k].push(await once(k));
    }
  } else {
    for (let w = 0; w < WARMUP; w++) for (let k = 0; k < configs.length; k++) await once(k, false);
    for (let n = 0; n < N; n++) {
      // Rotate the order so no configuration always runs right after the same other one.
      for (let j = 0; j < configs.length; j++) {
        const k = (j + n) % configs.length;
        times[k].push(await once(k));
      }
    }
  }
  for (const [k, [path, isolation]] of configs.entries()) {
    const key = `${fn}.${isolation}.${path}`;
    results[key] = { median: q(times[k], 0.5), p10: q(times[k], 0.1), p90: q(times[k], 0.9), n: times[k].length };
    console.log(`${key.padEnd(34)} median ${us(results[key].median).padStart(8)} µs   p10 ${us(results[key].p10).padStart(8)}   p90 ${us(results[key].p90).padStart(8)}`);
  }
  await Promise.all(engines.map((e) => e.close()));
}

// Where the fast path's time goes: the same steps createInstance + runInvocation take, timed
// one by one on the main thread (no engine around them).
const { readFileSync } = await import('node:fs');
const { Preview1Host } = await import(join(ROOT, 'dist/runtime/wasi/preview1/index.js'));
const { InstanceLimits } = await import(join(ROOT, 'dist/runtime/engine/limits.js'));
const { cgiEnvironment, parseCgiResponse } = await import(join(ROOT, 'dist/runtime/engine/cgi.js'));
for (const fn of fns) {
  const { dir } = await build(join(ROOT, 'examples', fn), { cacheDir });
  const module = new WebAssembly.Module(readFileSync(join(dir, 'preview1.wasm')));
  const steps = { host: [], limits: [], instantiate: [], start: [], response: [] };
  for (let i = 0; i < WARMUP + N * 4; i++) {
    const t0 = performance.now();
    const host = new Preview1Host({ args: [fn], env: {}, stdoutLimit: 6 << 20, stderrLimit: 256 << 10 });
    const t1 = performance.now();
    const limits = new InstanceLimits(128 << 20, 1e10);
    const imports = limits.imports();
    imports.wasi_snapshot_preview1 = host.imports;
    const t2 = performance.now();
    const inst = new WebAssembly.Instance(module, imports);
    host.bind(inst.exports.memory);
    const t3 = performance.now();
    host.begin(new Uint8Array(0), cgiEnvironment(fn, request(i), {}));
    try {
      inst.exports._start();
    } catch (e) {
      if (e.code !== 0) throw e;
    }
    const t4 = performance.now();
    parseCgiResponse(host.stdout.bytes());
    const t5 = performance.now();
    if (i < WARMUP) continue;
    steps.host.push(t1 - t0);
    steps.limits.push(t2 - t1);
    steps.instantiate.push(t3 - t2);
    steps.start.push(t4 - t3);
    steps.response.push(t5 - t4);
  }
  const line = Object.entries(steps).map(([k, v]) => `${k} ${us(q(v, 0.5))}`).join('  ');
  console.log(`${fn} fast-path steps (median µs): ${line}`);
  results[`${fn}.steps`] = Object.fromEntries(Object.entries(steps).map(([k, v]) => [k, q(v, 0.5)]));
}
const { loadavg } = await import('node:os');
console.log(JSON.stringify({ node: process.version, N, loadavg: loadavg(), mode: process.env.BLOCKS ? 'blocks' : 'interleaved', results }));
