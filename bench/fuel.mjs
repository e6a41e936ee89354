// Fuel instrumentation overhead bench: uninstrumented vs instrumented C kernels, one process,
// interleaved A/B, medians. Run: npx tsc -p . && node bench/fuel.mjs [--rounds N] [--variants]
// Needs clang-14 + wasm-ld-14 (kernels are compiled into a temp dir) and the compiled pass in dist/.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { instrumentFuel, loadBinaryen } = await import(join(root, 'dist/compiler/fuel/instrument.js'));
await loadBinaryen();

const args = process.argv.slice(2);
const rounds = Number(args[args.indexOf('--rounds') + 1]) || 31;
const explore = args.includes('--variants');

const dir = mkdtempSync(join(tmpdir(), 'wisp-fuel-bench-'));
const wasmPath = join(dir, 'kernels.wasm');
execFileSync('clang-14', ['--target=wasm32-wasi', '-O2', '-nostdlib', '-Wl,--no-entry', '-Wl,--export-dynamic',
  join(root, 'test/fuel/fixtures/kernels.c'), '-o', wasmPath]);
const plainBytes = readFileSync(wasmPath);
rmSync(dir, { recursive: true, force: true });

class FuelExhausted extends Error {}
const remaining = new WebAssembly.Global({ value: "i64", mutable: true }, 1n << 60n);
const BUDGET = 1n << 60n;
const fuelImports = {
  'wisp:fuel': { remaining, exhausted() { throw new FuelExhausted('fuel exhausted'); } },
  'wisp:limits': { grow: () => 1, tableGrow: () => 1 },
};

const variants = explore
  ? {
      'default': {},
      'no fuel-passing calls': { fuelPassingCalls: false },
      'thunks only': { duplicateBelowBytes: 0 },
      'entry checks in leaves too': { skipLeafEntryChecks: false },
      'pure per-block (fold 0)': { foldThreshold: 0 },
      'fold <= 32': { foldThreshold: 32 },
      'fold all (per loop iteration + entry)': { foldThreshold: 1e9 },
    }
  : { 'default': {} };

const plain = new WebAssembly.Instance(new WebAssembly.Module(plainBytes), {}).exports;
const instrumented = {};
for (const [name, opts] of Object.entries(variants)) {
  const { wasm, stats } = instrumentFuel(plainBytes, opts);
  instrumented[name] = { exports: new WebAssembly.Instance(new WebAssembly.Module(wasm), fuelImports).exports, stats, opts, size: wasm.length };
}

// 1 MiB fixed input for sha-256
const input = new Uint8Array(1 << 20);
for (let i = 0, s = 1; i < input.length; i++) { s = (s * 1103515245 + 12345) >>> 0; input[i] = s >>> 24; }
function setInput(ex) { new Uint8Array(ex.memory.buffer, ex.input_ptr(), input.length).set(input); }
const expectedSha = createHash('sha256').update(input).digest('hex');
const digestOf = (ex) => Buffer.from(new Uint8Array(ex.memory.buffer, ex.digest_ptr(), 32)).toString('hex');

const kernels = {
  'sha-256 1 MiB': { run: (ex) => ex.sha256(input.length), setup: setInput, check: (ex) => digestOf(ex) === expectedSha },
  'fib(30)': { run: (ex) => ex.fib(30), check: (ex) => ex.fib(20) === 6765 },
  'sieve 5M': { run: (ex) => ex.sieve(5000000), check: (ex) => ex.sieve(1000) === 168 },
  'collatz 300k': { run: (ex) => ex.collatz(300000) },
  'interp 3M (switch + call_indirect)': { run: (ex) => ex.interp(3000000) },
};

function time(ex, k) {
  remaining.value = BUDGET;
  const t = process.hrtime.bigint();
  const v = k.run(ex);
  const dt = Number(process.hrtime.bigint() - t) / 1e6;
  return { dt, v, used: BUDGET - remaining.value };
}
const median = (a) => { const s = [...a].sort((x, y) => x - y); return s[s.length >> 1]; };

const results = {};
for (const [kname, k] of Object.entries(kernels)) {
  const targets = { plain, ...Object.fromEntries(Object.entries(instrumented).map(([n, v]) => [n, v.exports])) };
  for (const ex of Object.values(targets)) k.setup?.(ex);
  // warm-up (tier up to TurboFan) + correctness
  const ref = time(plain, k).v;
  for (const [n, ex] of Object.entries(targets)) {
    for (let i = 0; i < 3; i++) time(ex, k);
    const r = time(ex, k);
    if (r.v !== ref || (k.check && !k.check(ex))) throw new Error(`${kname}: ${n} computed a different result`);
  }
  const samples = Object.fromEntries(Object.keys(targets).map((n) => [n, []]));
  const used = {};
  const names = Object.keys(targets);
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 ? [...names].reverse() : names; // interleave, alternate order
    for (const n of order) {
      const s = time(targets[n], k);
      samples[n].push(s.dt);
      if (n !== 'plain') {
        if (used[n] !== undefined && used[n] !== s.used) throw new Error(`${kname}: ${n} fuel used not deterministic`);
        used[n] = s.used;
      }
    }
  }
  const base = median(samples.plain);
  results[kname] = { plainMs: +base.toFixed(3), variants: {} };
  const line = [`${kname.padEnd(36)} plain ${base.toFixed(2).padStart(8)} ms`];
  for (const n of Object.keys(instrumented)) {
    const m = median(samples[n]);
    const slow = (m / base - 1) * 100;
    results[kname].variants[n] = { ms: +m.toFixed(3), slowdownPct: +slow.toFixed(1), fuelUsed: Number(used[n]) };
    line.push(`${n}: ${m.toFixed(2)} ms (${slow >= 0 ? '+' : ''}${slow.toFixed(1)} %)`);
  }
  console.log(line.join(' | '));
}

const out = {
  date: new Date().toISOString(),
  node: process.version,
  cpu: cpus()[0]?.model,
  cores: cpus().length,
  rounds,
  method: 'one process, interleaved A/B (order alternates per round), median of rounds, after 3 warm-up calls per target',
  variants: Object.fromEntries(Object.entries(instrumented).map(([n, v]) => [n, { options: v.opts, bytes: v.size }])),
  plainBytes: plainBytes.length,
  results,
};
const resDir = join(root, 'bench/results');
mkdirSync(resDir, { recursive: true });
writeFileSync(join(resDir, explore ? 'fuel-variants.json' : 'fuel.json'), JSON.stringify(out, null, 2) + '\n');
console.log(`wrote bench/results/${explore ? 'fuel-variants.json' : 'fuel.json'}`);
