import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { FuelInstrumentError, instrumentFuel, loadBinaryen, type InstrumentOptions } from '../../compiler/fuel/instrument.js';
import { FuelExhausted, buildC, inWorker, instantiate, makeHost, wasiStub, withFuel } from './helpers.js';

// The pass validates its output with binaryen, loaded asynchronously once.
beforeAll(loadBinaryen);

type Ex = Record<string, any>;
const BIG = 1n << 60n;

// Every behavioural test runs for the default options and for the extreme settings of the knobs.
const VARIANTS: Array<[string, InstrumentOptions]> = [
  ['default', {}],
  ['pure per-block, entry checks in leaves too', { skipLeafEntryChecks: false, foldThreshold: 0 }],
  ['fold everything', { foldThreshold: 1e9 }],
  ['global counter only (no fuel-passing calls)', { fuelPassingCalls: false }],
  ['fuel-passing calls, always via thunks', { duplicateBelowBytes: 0 }],
];

function kernels(opts: InstrumentOptions, extra: string[] = []) {
  const plainBytes = buildC('kernels', 'nostdlib', extra);
  const { wasm } = instrumentFuel(plainBytes, opts);
  const host = makeHost();
  host.remaining.value = BIG;
  const ex = instantiate(wasm, host.imports).exports as Ex;
  const plain = instantiate(plainBytes).exports as Ex;
  return { host, ex, plain, wasm, plainBytes };
}

function fixedInput(): Uint8Array {
  const input = new Uint8Array(1 << 20);
  for (let i = 0, s = 1; i < input.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    input[i] = s >>> 24;
  }
  return input;
}

describe.each(VARIANTS)('fuel on C kernels (%s)', (_name, opts) => {
  it('fib computes the same result and reports the same fuel every run', () => {
    const { host, ex, plain } = kernels(opts);
    const uses = new Set<bigint>();
    for (let i = 0; i < 5; i++) {
      const r = withFuel(host, BIG, () => ex.fib(20));
      expect(r.exhausted).toBe(false);
      expect(r.value).toBe(plain.fib(20));
      expect(r.value).toBe(6765);
      uses.add(r.used);
    }
    expect(uses.size).toBe(1);
    const [used] = [...uses];
    // fib(20) makes 21891 calls: fuel must reflect real work, not a constant
    expect(used!).toBeGreaterThan(21891n);
    // a fresh instance (fresh compile, Liftoff tier) reports exactly the same
    const again = kernels(opts);
    expect(withFuel(again.host, BIG, () => again.ex.fib(20)).used).toBe(used);
  });

  it('exact budget boundary: budget == used completes, smaller budgets run out', () => {
    const { host, ex } = kernels(opts);
    const used = withFuel(host, BIG, () => ex.fib(18)).used;
    const exact = withFuel(host, used, () => ex.fib(18));
    expect(exact.exhausted).toBe(false);
    expect(host.remaining.value).toBe(0n);
    const less = withFuel(host, used - 1n, () => ex.fib(18));
    // either a check fired, or the last charges after the last check overdrew the budget
    expect(less.exhausted || (host.remaining.value as bigint) < 0n).toBe(true);
    const half = withFuel(host, used / 2n, () => ex.fib(18));
    expect(half.exhausted).toBe(true);
    expect(half.error).toBeInstanceOf(FuelExhausted);
  });

  it('a loop that never ends traps as fuel exhausted', async () => {
    const { wasm } = kernels(opts);
    const r = await inWorker((bytes, { makeHost, withFuel }) => {
      const host = makeHost();
      const ex = new WebAssembly.Instance(new WebAssembly.Module(bytes), host.imports).exports as Ex;
      host.remaining.value = 1n << 60n;
      ex.reset_counter();
      const run = withFuel(host, 1_000_000n, () => ex.spin());
      const left = host.remaining.value as bigint;
      host.remaining.value = 1n << 60n; // get_counter itself needs fuel
      return { exhausted: run.exhausted, calls: host.exhaustedCalls, left, counter: ex.get_counter() as bigint };
    }, wasm);
    expect(r.exhausted).toBe(true);
    expect(r.calls).toBe(1);
    expect(r.left).toBeLessThan(0n);
    expect(r.counter).toBeGreaterThan(10_000n); // made progress...
    expect(r.counter).toBeLessThan(1_000_000n); // ...but at most one iteration per fuel unit
  });

  it('determinism: the same budget stops at the same point over 15 runs (fresh and tiered-up instances)', async () => {
    const { wasm } = kernels(opts);
    const seen = await inWorker((bytes, { makeHost, withFuel }) => {
      const BIG = 1n << 60n;
      const mod = new WebAssembly.Module(bytes);
      const out: string[] = [];
      for (let run = 0; run < 15; run++) {
        // every third run compiles afresh (Liftoff); the others reuse a module that tiers up
        const host = makeHost();
        const m = run % 3 === 0 ? new WebAssembly.Module(bytes) : mod;
        const ex = new WebAssembly.Instance(m, host.imports).exports as Ex;
        host.remaining.value = BIG;
        for (let warm = 0; warm < run; warm++) withFuel(host, 50_000n, () => ex.spin());
        host.remaining.value = BIG;
        ex.reset_counter();
        const r = withFuel(host, 1_234_567n, () => ex.spin());
        if (!r.exhausted) throw new Error('not exhausted');
        const left = host.remaining.value as bigint;
        host.remaining.value = BIG;
        out.push(`${ex.get_counter()}/${left}`);
      }
      return out;
    }, wasm);
    expect(seen).toHaveLength(15);
    expect(new Set(seen).size).toBe(1);
  });

  it('sha-256 over a fixed 1 MiB buffer: same digest instrumented, uninstrumented and node:crypto', () => {
    const { host, ex, plain } = kernels(opts);
    const input = fixedInput();
    for (const e of [ex, plain]) new Uint8Array(e.memory.buffer, e.input_ptr(), input.length).set(input);
    plain.sha256(input.length);
    const r = withFuel(host, BIG, () => ex.sha256(input.length));
    expect(r.exhausted).toBe(false);
    const hex = (e: Ex) => Buffer.from(new Uint8Array(e.memory.buffer, e.digest_ptr(), 32)).toString('hex');
    expect(hex(ex)).toBe(hex(plain));
    expect(hex(ex)).toBe(createHash('sha256').update(input).digest('hex'));
    // 16384 blocks * (64 + 48 rounds) > 1.8M loop iterations
    expect(r.used).toBeGreaterThan(1_800_000n);
    expect(withFuel(host, BIG, () => ex.sha256(input.length)).used).toBe(r.used);
  });

  it('fuel used is consistent and proportional to the work done', () => {
    const { host, ex } = kernels(opts);
    const u = (n: number) => withFuel(host, BIG, () => ex.count_to(n)).used;
    const [u1, u2, u3] = [u(1000), u(2000), u(3000)];
    expect(u2 - u1).toBe(u3 - u2); // exactly linear: a constant per iteration
    expect(u2 - u1).toBeGreaterThanOrEqual(1000n * 3n); // at least a few instructions per iteration
    expect(u(1000)).toBe(u1);
  });

  it('other kernels (sieve, collatz, switch + call_indirect) compute the same results', () => {
    const { host, ex, plain } = kernels(opts);
    host.remaining.value = BIG;
    expect(ex.sieve(100000)).toBe(plain.sieve(100000));
    expect(ex.sieve(100000)).toBe(9592);
    expect(ex.collatz(10000)).toBe(plain.collatz(10000));
    expect(ex.interp(100000)).toBe(plain.interp(100000));
    // indirect calls into leaf functions are charged too
    const a = withFuel(host, BIG, () => ex.interp(1000)).used;
    const b = withFuel(host, BIG, () => ex.interp(2000)).used;
    expect(b - a).toBeGreaterThan(1000n * 5n);
  });

  it('SIMD + bulk memory + sign-ext + sat-trunc build (autovectorised) matches and charges memory.fill', () => {
    const extra = ['-msimd128', '-mbulk-memory', '-msign-ext', '-mnontrapping-fptoint'];
    const { host, ex, plain, plainBytes } = kernels(opts, extra);
    const text = Buffer.from(plainBytes).toString('latin1');
    expect(plainBytes.some((b, i) => b === 0xfd && i > 0)).toBe(true);
    expect(text.length).toBeGreaterThan(0);
    host.remaining.value = BIG;
    expect(ex.sieve(200000)).toBe(plain.sieve(200000));
    expect(ex.interp(50000)).toBe(plain.interp(50000));
    const input = fixedInput();
    for (const e of [ex, plain]) new Uint8Array(e.memory.buffer, e.input_ptr(), input.length).set(input);
    plain.sha256(input.length);
    ex.sha256(input.length);
    const hex = (e: Ex) => Buffer.from(new Uint8Array(e.memory.buffer, e.digest_ptr(), 32)).toString('hex');
    expect(hex(ex)).toBe(hex(plain));
    // sieve(n) does memory.fill over n+1 bytes: at least n/64 fuel on top of the loops
    const small = withFuel(host, BIG, () => ex.sieve(10)).used;
    const big = withFuel(host, BIG, () => ex.sieve(5_000_000)).used;
    expect(big - small).toBeGreaterThan(5_000_000n / 64n);
  });
});

describe('memory cap via wisp:limits.grow', () => {
  it('denied memory.grow returns -1 without growing; a malloc-like allocator sees the failure', () => {
    const plainBytes = buildC('alloc');
    const { wasm } = instrumentFuel(plainBytes);
    const imports = WebAssembly.Module.imports(new WebAssembly.Module(wasm));
    expect(imports).toContainEqual({ module: 'wisp:limits', name: 'grow', kind: 'function' });
    const host = makeHost();
    host.remaining.value = BIG;
    const ex = instantiate(wasm, host.imports).exports as Ex;
    const start = ex.pages() as number;
    host.maxPages = start + 40; // room for two 1 MiB (16-page) blocks
    expect(ex.raw_grow(1000)).toBe(-1);
    expect(ex.pages()).toBe(start);
    expect(host.growCalls[0]).toEqual([0, start, 1000]);
    expect(ex.alloc_until_fail(100)).toBe(2);
    expect(ex.pages()).toBe(start + 32);
    expect(ex.memory.buffer.byteLength).toBe((start + 32) * 65536);
    // allowed grows behave like the original instruction (return the old size)
    host.maxPages = undefined;
    expect(ex.raw_grow(1)).toBe(start + 32);
    expect(ex.pages()).toBe(start + 33);
    const last = host.growCalls.at(-1)!;
    expect(last).toEqual([0, start + 32, 1]);
  });

  it('real wasi-libc malloc (dlmalloc) returns NULL at the cap; qsort/snprintf still work', () => {
    const plainBytes = buildC('libc', 'libc');
    const { wasm } = instrumentFuel(plainBytes);
    const host = makeHost();
    host.remaining.value = BIG;
    const ex = instantiate(wasm, { ...host.imports, ...wasiStub() }).exports as Ex;
    const plain = instantiate(plainBytes, wasiStub()).exports as Ex;
    expect(ex.sort_sum(5000)).toBe(plain.sort_sum(5000));
    const p = ex.format(42, 2.5) as number;
    const s = Buffer.from(new Uint8Array(ex.memory.buffer, p, 16)).toString('latin1').split('\0')[0];
    expect(s).toBe('x=42 y=2.500');
    const cap = (ex.memory.buffer.byteLength >> 16) + 100; // ~6 MiB more
    host.maxPages = cap;
    const n = ex.malloc_until_fail(1000) as number;
    expect(n).toBeGreaterThanOrEqual(4);
    expect(n).toBeLessThan(7);
    expect(ex.memory.buffer.byteLength >> 16).toBeLessThanOrEqual(cap);
    expect(host.growCalls.some(([, cur, d]) => cur + d > cap)).toBe(true);
  });

  it('modules without memory.grow do not import wisp:limits', () => {
    const plainBytes = buildC('kernels');
    const imports = WebAssembly.Module.imports(new WebAssembly.Module(instrumentFuel(plainBytes).wasm));
    expect(imports.map((i) => `${i.module}.${i.name}`).sort()).toEqual(['wisp:fuel.exhausted', 'wisp:fuel.remaining']);
  });
});

describe('module structure', () => {
  it('preserves exports (names, kinds, order) and reports stats', () => {
    const plainBytes = buildC('kernels');
    const r = instrumentFuel(plainBytes);
    const ex = (b: BufferSource) => WebAssembly.Module.exports(new WebAssembly.Module(b));
    expect(ex(r.wasm)).toEqual(ex(plainBytes));
    expect(r.stats.functions).toBeGreaterThan(10);
    expect(r.stats.ms).toBeGreaterThan(0);
    expect(WebAssembly.Module.imports(new WebAssembly.Module(r.wasm))).toContainEqual({
      module: 'wisp:fuel',
      name: 'remaining',
      kind: 'global',
    });
  });

  // The StarlingMonkey engine core module componentize-js ships (a dependency, always installed).
  const big = fileURLToPath(new URL('../../node_modules/@bytecodealliance/componentize-js/lib/starlingmonkey_embedding.wasm', import.meta.url));
  it('instruments the 12 MB StarlingMonkey core module into a valid module', () => {
    expect(existsSync(big)).toBe(true);
    const src = new Uint8Array(readFileSync(big)) as Uint8Array<ArrayBuffer>;
    const r = instrumentFuel(src); // validates with binaryen
    const mod = new WebAssembly.Module(r.wasm);
    expect(WebAssembly.Module.exports(mod)).toEqual(WebAssembly.Module.exports(new WebAssembly.Module(src)));
    expect(r.stats.functions).toBeGreaterThan(10000);
  }, 120_000);
});
