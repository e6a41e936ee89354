import binaryen from 'binaryen';
import { beforeAll, describe, expect, it } from 'vitest';
import { FuelInstrumentError, instrumentFuel, loadBinaryen, type InstrumentOptions } from '../../compiler/fuel/instrument.js';
import { FuelExhausted, buildC, inWorker, instantiate, makeHost, withFuel } from './helpers.js';

// The pass validates its output with binaryen, loaded asynchronously once.
beforeAll(loadBinaryen);

type Ex = Record<string, any>;
const BIG = 1n << 60n;

function wat(text: string): Uint8Array<ArrayBuffer> {
  const m = binaryen.parseText(text);
  try {
    // everything but CompactImports (1 << 26): Node 20 cannot load that encoding
    m.setFeatures((1 << 26) - 1);
    if (!m.validate()) throw new Error('fixture does not validate');
    return m.emitBinary() as Uint8Array<ArrayBuffer>;
  } finally {
    m.dispose();
  }
}

/** Call export `name` with `budget` fuel in a worker (a broken check fails instead of hanging). */
function guarded(wasm: Uint8Array<ArrayBuffer>, name: string, budget: bigint) {
  const src = `(bytes, { makeHost, withFuel }) => {
    const host = makeHost();
    const ex = new WebAssembly.Instance(new WebAssembly.Module(bytes), host.imports).exports;
    const r = withFuel(host, ${budget}n, () => ex[${JSON.stringify(name)}](0));
    return { exhausted: r.exhausted, left: host.remaining.value, calls: host.exhaustedCalls, error: String(r.error) };
  }`;
  // eslint-disable-next-line no-new-func
  return inWorker(new Function(`return ${src}`)() as Parameters<typeof inWorker>[0], wasm) as Promise<{
    exhausted: boolean;
    left: bigint;
    calls: number;
    error: string;
  }>;
}

function run(text: string, opts: InstrumentOptions = {}, extra: WebAssembly.Imports = {}) {
  const plainBytes = wat(text);
  const { wasm } = instrumentFuel(plainBytes, opts);
  const host = makeHost();
  host.remaining.value = BIG;
  const ex = instantiate(wasm, { ...host.imports, ...extra }).exports as Ex;
  return { host, ex, wasm, plainBytes };
}

const VARIANTS: Array<[string, InstrumentOptions]> = [
  ['default', {}],
  ['pure per-block, no leaf shortcut', { skipLeafEntryChecks: false, foldThreshold: 0 }],
  ['fold everything', { foldThreshold: 1e9 }],
  ['global counter only (no fuel-passing calls)', { fuelPassingCalls: false }],
  ['fuel-passing calls, always via thunks', { duplicateBelowBytes: 0 }],
];

describe.each(VARIANTS)('instruction coverage (%s)', (_n, opts) => {
  it('multi-value results and block parameters', () => {
    const { ex } = run(
      `(module
        (func $swap (param i32 i32) (result i32 i32) (local.get 1) (local.get 0))
        (func (export "f") (param i32) (result i32)
          i32.const 10
          local.get 0
          call $swap
          block (param i32 i32) (result i32)
            i32.sub
          end)
        (func (export "pair") (result i32 i64) (i32.const 1) (i64.const 2)))`,
      opts,
    );
    expect(ex.f(3)).toBe(-7);
    expect(ex.pair()).toEqual([1, 2n]);
  });

  it('tail calls: infinite return_call recursion runs out of fuel', async () => {
    const { ex, wasm } = run(
      `(module
        (func $down (export "down") (param i32) (result i32)
          (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 42))
            (else (return_call $down (i32.sub (local.get 0) (i32.const 1))))))
        (func $forever (export "forever") (param i32) (result i32)
          (return_call $forever (i32.add (local.get 0) (i32.const 1)))))`,
      opts,
    );
    expect(ex.down(100000)).toBe(42);
    expect((await guarded(wasm, 'forever', 100_000n)).exhausted).toBe(true);
  });

  it('mutual recursion through call_indirect runs out of fuel before the stack does', async () => {
    const { wasm } = run(
      `(module
        (type $t (func (param i32) (result i32)))
        (table 2 funcref)
        (elem (i32.const 0) $a $b)
        (func $a (type $t) (call_indirect (type $t) (i32.add (local.get 0) (i32.const 1)) (i32.const 1)))
        (func $b (type $t) (call_indirect (type $t) (local.get 0) (i32.const 0)))
        (export "a" (func $a)))`,
      opts,
    );
    const r = await guarded(wasm, 'a', 20_000n);
    expect(r.exhausted).toBe(true);
  });

  it('globals, start function, element segments and ref.func keep their meaning after index shifts', () => {
    const { ex } = run(
      `(module
        (import "env" "base" (global $base i32))
        (import "env" "twice" (func $twice (param i32) (result i32)))
        (global $g (export "g") (mut i32) (i32.const 5))
        (global $h i32 (global.get $base))
        (global $fr funcref (ref.func $seven))
        (memory 1)
        (data (global.get $base) "\\2a")
        (table $t 3 funcref)
        (elem (table $t) (i32.const 0) func $seven $eight)
        (elem declare func $seven)
        (type $v (func (result i32)))
        (start $init)
        (func $init (global.set $g (i32.add (global.get $g) (i32.const 100))))
        (func $seven (result i32) (i32.const 7))
        (func $eight (result i32) (i32.const 8))
        (func (export "probe") (result i32)
          (i32.add
            (i32.add (call_indirect (type $v) (i32.const 0)) (call_indirect (type $v) (i32.const 1)))
            (i32.add (global.get $h) (i32.load8_u (global.get $base)))))
        (func (export "viaRef") (result i32)
          (table.set $t (i32.const 2) (global.get $fr))
          (call_indirect (type $v) (i32.const 2)))
        (func (export "callImport") (param i32) (result i32) (call $twice (local.get 0))))`,
      opts,
      { env: { base: new WebAssembly.Global({ value: 'i32' }, 16), twice: (x: number) => 2 * x } },
    );
    expect(ex.g.value).toBe(105);
    expect(ex.probe()).toBe(7 + 8 + 16 + 42);
    expect(ex.viaRef()).toBe(7);
    expect(ex.callImport(21)).toBe(42);
  });

  it('table.grow asks wisp:limits.tableGrow; denied grows return -1', () => {
    const { host, ex } = run(
      `(module
        (table $t (export "t") 1 funcref)
        (func $f (result i32) (i32.const 7))
        (elem declare func $f)
        (func (export "tgrow") (param i32) (result i32) (table.grow $t (ref.func $f) (local.get 0)))
        (func (export "tsize") (result i32) (table.size $t)))`,
      opts,
    );
    host.maxTable = 3;
    expect(ex.tgrow(1)).toBe(1);
    expect(ex.tgrow(5)).toBe(-1);
    expect(ex.tsize()).toBe(2);
    expect(host.tableGrowCalls).toEqual([
      [0, 1, 1],
      [0, 2, 5],
    ]);
  });

  it('exceptions: fuel burnt in a callee that throws is not lost when the caller catches', async () => {
    const { host, ex, wasm } = run(
      `(module
        (tag $e (param i32))
        (func $burn (param $n i32)
          (loop $l
            (local.set $n (i32.sub (local.get $n) (i32.const 1)))
            (br_if $l (local.get $n)))
          (throw $e (i32.const 1)))
        (func (export "tryBurn") (param $n i32) (result i32)
          (try (result i32)
            (do (call $burn (local.get $n)) (i32.const 0))
            (catch $e)))
        (func (export "catchLoop") (param $n i32) (result i32)
          (local $c i32)
          (loop $l
            (try (do (call $burn (i32.const 10)))
              (catch_all (local.set $c (i32.add (local.get $c) (i32.const 1)))))
            (br_if $l (i32.lt_u (local.get $c) (local.get $n))))
          (local.get $c))
        (func $spin (loop $s (br $s)))
        (func (export "swallow")
          (loop $l (try (do (call $spin)) (catch_all)) (br $l))))`,
      opts,
    );
    expect(ex.tryBurn(5)).toBe(1);
    const u1 = withFuel(host, BIG, () => ex.tryBurn(1000)).used;
    const u2 = withFuel(host, BIG, () => ex.tryBurn(2000)).used;
    expect(u2 - u1).toBeGreaterThanOrEqual(1000n * 4n); // the loop in $burn was paid for
    const c1 = withFuel(host, BIG, () => ex.catchLoop(100)).used;
    const c2 = withFuel(host, BIG, () => ex.catchLoop(200)).used;
    expect(c2 - c1).toBeGreaterThanOrEqual(100n * 10n * 4n);
    // a guest catch_all swallows the host's FuelExhausted: it must still not run on for free
    const r = await guarded(wasm, 'swallow', 100_000n);
    expect(r.exhausted).toBe(true);
    expect(r.left).toBeLessThan(0n);
  });

  it('try_table / throw_ref are instrumented into a valid module (and run if the engine supports exnref)', async () => {
    const text = `(module
        (tag $e (param i32))
        (func $thrower (param i32) (throw $e (local.get 0)))
        (func (export "tt") (param $n i32) (result i32)
          (local $acc i32)
          (loop $l
            (local.set $acc
              (i32.add (local.get $acc)
                (block $h (result i32)
                  (try_table (catch $e $h) (call $thrower (local.get $n)))
                  (i32.const 0))))
            (br_if $l (i32.gt_s (local.tee $n (i32.sub (local.get $n) (i32.const 1))) (i32.const 0))))
          (local.get $acc))
        (func (export "ttForever")
          (loop $l
            (drop (block $h (result i32)
              (try_table (catch $e $h) (call $thrower (i32.const 1)))
              (i32.const 0)))
            (br $l))))`;
    const plainBytes = wat(text);
    const { wasm } = instrumentFuel(plainBytes, opts); // binaryen-validated
    let mod: WebAssembly.Module;
    try {
      mod = new WebAssembly.Module(wasm);
    } catch {
      return; // Node 20's V8 has no exnref: validation above is what we can check
    }
    const host = makeHost();
    host.remaining.value = BIG;
    const ex = new WebAssembly.Instance(mod, host.imports).exports as Ex;
    expect(ex.tt(4)).toBe(10);
    expect((await guarded(wasm, 'ttForever', 50_000n)).exhausted).toBe(true);
  });

  it('reference types, select with type, sign-ext, sat-trunc, bulk memory and SIMD opcodes pass through', () => {
    const { ex } = run(
      `(module
        (memory 1)
        (data $d "abcdefgh")
        (func (export "misc") (param f64) (result i32)
          (local $r externref)
          (memory.init $d (i32.const 100) (i32.const 0) (i32.const 8))
          (memory.copy (i32.const 200) (i32.const 100) (i32.const 8))
          (memory.fill (i32.const 300) (i32.const 1) (i32.const 4))
          (data.drop $d)
          (i32.add
            (i32.add (i32.extend8_s (i32.load8_u (i32.const 207))) (i32.trunc_sat_f64_s (local.get 0)))
            (i32.add
              (select (result i32) (i32.const 1) (i32.const 2) (ref.is_null (local.get $r)))
              (i32x4.extract_lane 0 (i32x4.add (v128.load (i32.const 300)) (i32x4.splat (i32.const 1))))))))`,
      opts,
    );
    // 'h' = 104; trunc_sat(1e30) = 2147483647 -> wraps; 1; 0x01010101 + 1
    expect(ex.misc(3.9)).toBe(104 + 3 + 1 + 0x01010102);
  });
});

describe('GC, typed function references, exact types, shared memory + atomics', () => {
  it('instruments into a module binaryen validates (Node 20 cannot run GC: validation only)', () => {
    const bytes = wat(`(module
      (rec (type $node (sub (struct (field $v i32) (field $next (ref null $node))))) (type $f (func (param i32) (result i32))))
      (type $arr (array (mut i8)))
      (memory 1 1 shared)
      (func $sum (export "sum") (param $n (ref null $node)) (result i32) (local $s i32)
        (block $done (loop $l
          (drop (br_on_null $done (local.get $n)))
          (local.set $s (i32.add (local.get $s) (struct.get $node $v (local.get $n))))
          (local.set $n (struct.get $node $next (local.get $n)))
          (br $l)))
        (local.get $s))
      (func (export "mk") (param i32) (result i32)
        (drop (ref.cast (ref $arr) (array.new $arr (i32.const 0) (local.get 0))))
        (drop (i32.atomic.rmw.add (i32.const 0) (i32.const 1)))
        (call_ref $f (i32.const 1) (ref.func $g)))
      (func $g (type $f) (local.get 0))
      (elem declare func $g))`);
    for (const opts of [{}, { fuelPassingCalls: false }, { foldThreshold: 0, skipLeafEntryChecks: false }]) {
      const r = instrumentFuel(bytes, opts); // throws FuelInstrumentError if binaryen rejects the output
      expect(r.stats.functions).toBe(3);
    }
  });
});

describe('unsupported and invalid input', () => {
  const expectErr = (bytes: Uint8Array, re: RegExp) => {
    let err: unknown;
    try {
      instrumentFuel(bytes);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FuelInstrumentError);
    expect((err as Error).message).toMatch(re);
  };

  it('rejects non-wasm, components, truncated and already-instrumented modules', () => {
    expectErr(new TextEncoder().encode('hello, world'), /not a WebAssembly binary/);
    expectErr(Uint8Array.of(0, 0x61, 0x73, 0x6d, 0x0d, 0, 1, 0), /component/);
    const good = buildC('kernels');
    expectErr(good.slice(0, good.length - 20), /cannot instrument|unexpected end|invalid/);
    const once = instrumentFuel(good).wasm;
    expectErr(once, /already instrumented/);
  });

  it('rejects unknown opcodes and type errors with a clear message', () => {
    // (func (result i32) <0xff>) — unknown opcode
    const hdr = [0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 5, 1, 0x60, 0, 1, 0x7f, 3, 2, 1, 0];
    expectErr(Uint8Array.of(...hdr, 10, 5, 1, 3, 0, 0xff, 0x0b), /unsupported instruction opcode 0xff/);
    // (func (result i32) i32.add) — stack underflow: caught by validation
    expectErr(Uint8Array.of(...hdr, 10, 5, 1, 3, 0, 0x6a, 0x0b), /invalid/);
  });

  it('reads the compact import encoding (binaryen with all features emits it)', () => {
    const m = binaryen.parseText(
      '(module (import "env" "a" (global i32)) (import "env" "b" (func $b (param i32) (result i32))) (func (export "f") (result i32) (call $b (global.get 0))))',
    );
    m.setFeatures(binaryen.Features.All);
    const bytes = m.emitBinary();
    m.dispose();
    const out = instrumentFuel(bytes).wasm; // validated by binaryen
    expect(out.length).toBeGreaterThan(bytes.length);
  });

  it('rejects memory64', () => {
    expectErr(wat('(module (memory i64 1) (func (export "g") (result i64) (memory.grow (i64.const 1))))'), /memory64/);
  });
});

describe('fuel exhaustion reports the FuelExhausted import', () => {
  it('the exhausted import is called exactly once and the trap is a JS error from it', async () => {
    const { wasm } = run('(module (func (export "spin") (loop $l (br $l))))');
    const r = await guarded(wasm, 'spin', 1000n);
    expect(r.exhausted).toBe(true);
    expect(r.error).toMatch(/FuelExhausted: fuel exhausted/);
    expect(r.calls).toBe(1);
  });
});
