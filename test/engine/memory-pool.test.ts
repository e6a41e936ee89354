// Pooled linear memories on the preview1 fast path: the build-time rewrite that makes a module
// import its memory (compiler/memory-import.ts), the per-module pool (runtime/engine/memory-pool.ts),
// and a real C guest run through the engine, which must never see anything an earlier
// invocation left in a reused memory.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PREVIEW1_FILE } from '../../compiler/artifact.js';
import { build } from '../../compiler/build.js';
import { importMemory, MEMORY_IMPORT, memoryTypeOf } from '../../compiler/memory-import.js';
import { Engine } from '../../runtime/engine/engine.js';
import { MAX_POOLED_PER_MODULE, MemoryPool, memoryPoolOf } from '../../runtime/engine/memory-pool.js';
import type { FunctionSpec } from '../../runtime/engine/types.js';
import { DEFAULTS } from '../../runtime/functions/defaults.js';
import { DATA_DIR, FIXTURES, ROOT } from '../helpers/paths.js';
import { invokeRequest } from '../helpers/request.js';
import { wasm } from '../helpers/wat.js';

const PAGE = 65536;
const dec = new TextDecoder();


const nextTurn = () => new Promise((r) => setImmediate(r));

describe('importMemory (build time)', () => {
  const guest = wasm(`(module
    (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
    (memory (export "memory") 2 5)
    (data (i32.const 100) "hello")
    (func (export "_start") (i32.store8 (i32.const 200) (i32.load8_u (i32.const 100)))))`);

  it('turns the defined memory into a wisp:memory import with the same limits, data segments intact', () => {
    const out = importMemory(guest)!;
    const module = new WebAssembly.Module(out);
    expect(WebAssembly.Module.imports(module)).toContainEqual({ ...MEMORY_IMPORT, kind: 'memory' });
    expect(WebAssembly.Module.exports(module)).toContainEqual({ name: 'memory', kind: 'memory' });
    expect(memoryTypeOf(module)).toEqual({ initial: 2, maximum: 5 });
    const memory = new WebAssembly.Memory({ initial: 2, maximum: 5 });
    const inst = new WebAssembly.Instance(module, {
      wasi_snapshot_preview1: { proc_exit: () => {} },
      [MEMORY_IMPORT.module]: { [MEMORY_IMPORT.name]: memory },
    });
    expect(inst.exports.memory).toBe(memory);
    (inst.exports._start as () => void)();
    expect(dec.decode(new Uint8Array(memory.buffer, 100, 5))).toBe('hello');
    expect(new Uint8Array(memory.buffer)[200]).toBe('h'.charCodeAt(0));
  });

  it('adds an import section to a module without one; keeps a memory without maximum unbounded', () => {
    const module = new WebAssembly.Module(importMemory(wasm('(module (memory (export "memory") 1) (func (export "_start")))'))!);
    expect(WebAssembly.Module.imports(module)).toEqual([{ ...MEMORY_IMPORT, kind: 'memory' }]);
    expect(memoryTypeOf(module)).toEqual({ initial: 1 });
  });

  it('leaves alone what it cannot rewrite: no memory, an imported memory, a shared memory', () => {
    expect(importMemory(wasm('(module (func (export "_start")))'))).toBeUndefined();
    expect(importMemory(wasm('(module (import "env" "memory" (memory 1)) (func (export "_start")))'))).toBeUndefined();
    expect(importMemory(wasm('(module (memory 1 2 shared) (func (export "_start")))'))).toBeUndefined();
    expect(importMemory(importMemory(guest)!)).toBeUndefined();
  });

  it('reports no memory type for modules it did not rewrite', () => {
    expect(memoryTypeOf(new WebAssembly.Module(guest))).toBeUndefined();
  });
});

describe('MemoryPool', () => {
  const fillAll = (m: WebAssembly.Memory, byte: number) => new Uint8Array(m.buffer).fill(byte);
  const allZero = (m: WebAssembly.Memory) => new Uint8Array(m.buffer).every((b) => b === 0);

  it('hands a given-back memory out again only zeroed, whether or not a zeroing turn ran', async () => {
    const pool = new MemoryPool({ initial: 3 });
    const a = pool.take();
    fillAll(a.memory, 0xff);
    pool.give(a);
    expect(pool.size).toEqual({ clean: 0, dirty: 1 });
    const b = pool.take(); // no turn in between: zeroed on the spot
    expect(b).toBe(a);
    expect(b.memory.buffer.byteLength).toBe(3 * PAGE);
    expect(allZero(b.memory)).toBe(true);

    fillAll(b.memory, 0x5a);
    pool.give(b);
    await nextTurn();
    expect(pool.size).toEqual({ clean: 1, dirty: 0 });
    const c = pool.take();
    expect(c).toBe(a);
    expect(allZero(c.memory)).toBe(true);
    expect(c.instance).toBeUndefined();
    expect(pool.recycled).toBe(0);
  });

  it('never reuses a memory that grew, and keeps at most a few per module', () => {
    const pool = new MemoryPool({ initial: 1, maximum: 4 });
    const grown = pool.take();
    grown.memory.grow(1);
    pool.give(grown);
    expect(pool.size).toEqual({ clean: 0, dirty: 0 });
    const fresh = pool.take();
    expect(fresh).not.toBe(grown);
    expect(fresh.memory.buffer.byteLength).toBe(PAGE);

    const many = Array.from({ length: MAX_POOLED_PER_MODULE + 2 }, () => pool.take());
    for (const m of many) pool.give(m);
    const { clean, dirty } = pool.size;
    expect(clean + dirty).toBe(MAX_POOLED_PER_MODULE);
  });

  it('makes memories with the module’s limits', () => {
    const m = new MemoryPool({ initial: 2, maximum: 3 }).take().memory;
    expect(m.buffer.byteLength).toBe(2 * PAGE);
    expect(() => m.grow(2)).toThrow(RangeError);
  });
});

// --- a real C guest through the engine -----------------------------------------------------------

const request = (query: string) => invokeRequest(query, { headers: [['host', '127.0.0.1:8080']], authority: '127.0.0.1:8080' });

describe('engine: a reused memory (and instance) shows nothing of the previous invocation', () => {
  let dir: string;
  let initialPages: number;
  /** Where a new instance's stack starts (its __stack_pointer after instantiation). */
  let stack: string;
  const engines: Record<string, Engine> = {};
  const spec = (over: Partial<FunctionSpec> = {}): FunctionSpec => ({
    name: 'memory-c',
    version: '$LATEST',
    artifactDir: dir,
    env: {},
    ...DEFAULTS,
    ...over,
  });

  async function body(engine: Engine, query = '', over: Partial<FunctionSpec> = {}): Promise<string> {
    const r = await engine.invoke(spec(over), request(query));
    expect(r.error).toBeUndefined();
    return dec.decode(r.response!.body);
  }

  const poolOf = (engine: Engine) => memoryPoolOf(engine.modules.get(dir)!.modules.get(PREVIEW1_FILE)!)!;

  beforeAll(async () => {
    const b = await build(join(FIXTURES, 'memory-c'), { cacheDir: DATA_DIR });
    expect(b.meta.preview1).toBe(true);
    expect(b.meta.resettable).toBe(true);
    dir = b.dir;
    initialPages = memoryTypeOf(new WebAssembly.Module(readFileSync(join(dir, PREVIEW1_FILE))))!.initial;
    engines.inline = new Engine({ isolation: 'inline' });
    engines.worker = new Engine({ isolation: 'worker', minWorkers: 1, maxWorkers: 1 });
    // The first invocation of the module on this thread: a new instance, the reference.
    const first = await body(engines.inline);
    expect(poolOf(engines.inline).recycled).toBe(0);
    stack = /stack=(\d+)/.exec(first)![1]!;
    expect(first).toBe(clean());
  }, 120_000);

  afterAll(async () => {
    await Promise.all(Object.values(engines).map((e) => e.close()));
  });

  const clean = () => `counter=0 seeded=7 bss=0 top=0 stack=${stack} pages=${initialPages}\n`;
  const pooled = (engine: Engine) => {
    const { clean: c, dirty: d } = poolOf(engine).size;
    return c + d;
  };

  it('inline: the next invocation runs on the first one’s memory and instance, reset', async () => {
    const e = engines.inline!;
    expect(pooled(e)).toBe(1);
    const recycled = poolOf(e).recycled;
    // Taken from the pool, dirtied, given back: still one memory, and no new instance.
    expect(await body(e)).toBe(clean());
    expect(pooled(e)).toBe(1);
    expect(poolOf(e).recycled).toBe(recycled + 1);
    await nextTurn(); // reset between requests now, not on the next take
    expect(poolOf(e).size).toEqual({ clean: 1, dirty: 0 });
    expect(await body(e)).toBe(clean());
    expect(poolOf(e).recycled).toBe(recycled + 2);
  });

  it('inline: a trap deep in a recursion leaves nothing behind, the stack pointer included', async () => {
    const e = engines.inline!;
    const recycled = poolOf(e).recycled;
    const r = await e.invoke(spec(), request('trap=1'));
    expect(r.error?.code).toBe('GuestTrap');
    expect(await body(e)).toBe(clean());
    expect(poolOf(e).recycled).toBe(recycled + 2);
  });

  it('inline: a memory that grew is dropped with its instance; the next one starts at the initial size', async () => {
    const e = engines.inline!;
    await body(e);
    expect(await body(e, 'grow=1')).toBe(clean());
    expect(pooled(e)).toBe(0);
    expect(await body(e)).toBe(clean());
    expect(pooled(e)).toBe(1);
  });

  it('inline: pre-warmed instances and failed invocations give clean memories too', async () => {
    const e = engines.inline!;
    const pre = { prewarm: 1 };
    for (let i = 0; i < 3; i++) {
      await e.prepare(spec(pre));
      expect(await body(e, '', pre)).toBe(clean());
    }
    // Out of fuel half way: the memory still goes back, and is reset before it is reused.
    const r = await e.invoke(spec({ fuel: 20_000 }), request(''));
    expect(r.error?.code).toBe('FuelExhausted');
    expect(await body(e)).toBe(clean());
  });

  it('worker: every invocation sees a clean instance', async () => {
    const e = engines.worker!;
    for (const q of ['', '', 'grow=1', '', 'trap=1', '', '']) {
      if (q === 'trap=1') expect((await e.invoke(spec(), request(q))).error?.code).toBe('GuestTrap');
      else expect(await body(e, q)).toBe(clean());
    }
  });

  it('WISP_RECYCLE=0: a new instance for every invocation', async () => {
    process.env.WISP_RECYCLE = '0';
    const e = new Engine({ isolation: 'inline' });
    try {
      for (let i = 0; i < 3; i++) expect(await body(e)).toBe(clean());
      expect(pooled(e)).toBe(1);
      expect(poolOf(e).recycled).toBe(0);
    } finally {
      delete process.env.WISP_RECYCLE;
      await e.close();
    }
  });
});

describe('examples on pooled memories', () => {
  it('hello-c, hello-rust, hello-go and hello-assemblyscript answer the same on every reuse of their instance', async () => {
    const engine = new Engine({ isolation: 'inline' });
    try {
      for (const lang of ['c', 'rust', 'go', 'assemblyscript']) {
        const b = await build(join(ROOT, 'examples', `hello-${lang}`), { cacheDir: DATA_DIR });
        expect(b.meta.resettable).toBe(true);
        const spec: FunctionSpec = { name: `hello-${lang}`, version: '$LATEST', artifactDir: b.dir, env: {}, ...DEFAULTS };
        for (const name of ['a', 'bb', 'c']) {
          const r = await engine.invoke(spec, request(`name=${name}`));
          expect(dec.decode(r.response!.body)).toBe(`Hello, ${name}\n`);
        }
        // Go's runtime grows its memory at start: a grown memory goes, with its instance.
        expect([lang, memoryPoolOf(engine.modules.get(b.dir)!.modules.get(PREVIEW1_FILE)!)!.recycled]).toEqual([lang, lang === 'go' ? 0 : 2]);
      }
    } finally {
      await engine.close();
    }
  }, 300_000);
});

describe('one module serving two functions', () => {
  it('each invocation sees its own function’s argv and environment on the recycled instance, speculative or not', async () => {
    const b = await build(join(FIXTURES, 'probe-c'), { cacheDir: DATA_DIR });
    expect(b.meta.resettable).toBe(true);
    const module = (e: Engine) => memoryPoolOf(e.modules.get(b.dir)!.modules.get(PREVIEW1_FILE)!)!;
    // auto: speculative runs on this thread (the host refuses sleeps only while one runs).
    for (const isolation of ['inline', 'auto'] as const) {
      const engine = new Engine({ isolation, minWorkers: 1, maxWorkers: 1 });
      try {
        const spec = (name: string, env: Record<string, string>): FunctionSpec => ({ name, version: '$LATEST', artifactDir: b.dir, env, ...DEFAULTS });
        for (const [name, env] of [['one', { WHO: '1' }], ['one', { WHO: '1' }], ['two', { WHO: '2' }], ['one', { WHO: '1' }], ['two', { WHO: '2' }]] as const) {
          const r = await engine.invoke(spec(name, env), request(''));
          const out = dec.decode(r.response!.body);
          expect([isolation, out]).toEqual([isolation, expect.stringContaining(`argv[0]=${name}\n`)]);
          expect(out).toContain(`env WHO=${env.WHO}\n`);
          expect(out).not.toContain(`env WHO=${env.WHO === '1' ? '2' : '1'}`);
          expect(r.logs).toEqual(['probe ran']);
        }
        expect(module(engine).recycled).toBeGreaterThanOrEqual(4);
      } finally {
        await engine.close();
      }
    }
  }, 120_000);
});
