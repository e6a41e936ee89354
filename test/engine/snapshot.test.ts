// Memory snapshots (compiler/snapshot.ts, runtime/engine/snapshot.ts): a split module plus its
// restore module must give every instance exactly the memory a fresh instantiation would, on a
// fresh or a reused memory, and pooling must never let one invocation see another's state.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from '../../compiler/build.js';
import { splitMemorySnapshot } from '../../compiler/snapshot.js';
import { Engine } from '../../runtime/engine/engine.js';
import { createInstance } from '../../runtime/engine/instance.js';
import { compileArtifact, loadArtifact } from '../../runtime/engine/loader.js';
import { acquireMemory, pooledMemories, releaseMemory } from '../../runtime/engine/snapshot.js';
import type { FunctionSpec } from '../../runtime/engine/types.js';
import { DEFAULTS } from '../../runtime/functions/defaults.js';
import { DATA_DIR, FIXTURES, ROOT } from '../helpers/paths.js';
import { invokeRequest } from '../helpers/request.js';

const dec = new TextDecoder();

/** Imports that satisfy a module's function, global and memory imports without running anything. */
function stubImports(module: WebAssembly.Module, extra: WebAssembly.Imports = {}): WebAssembly.Imports {
  const imports: Record<string, Record<string, unknown>> = {};
  for (const i of WebAssembly.Module.imports(module)) {
    if (i.kind !== 'function') continue;
    (imports[i.module] ??= {})[i.name] = () => {
      throw new Error(`stub ${i.module}.${i.name} called`);
    };
  }
  return { ...imports, ...extra } as WebAssembly.Imports;
}

const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && Buffer.compare(a, b) === 0;

describe('splitMemorySnapshot on the StarlingMonkey engine module', () => {
  // The engine core componentize-js ships: 6,714 data segments, a real big module.
  const original = readFileSync(join(ROOT, 'node_modules/@bytecodealliance/componentize-js/lib/starlingmonkey_embedding.wasm'));
  const split = splitMemorySnapshot(original)!;

  it('imports its memory, keeps no data, and restores the exact initial image', () => {
    expect(split).toBeDefined();
    const module = new WebAssembly.Module(split.module);
    expect(WebAssembly.Module.imports(module).filter((i) => i.kind === 'memory')).toEqual([{ module: 'wisp:snapshot', name: 'memory', kind: 'memory' }]);
    const reference = new WebAssembly.Instance(new WebAssembly.Module(original), stubImports(new WebAssembly.Module(original)));
    const expected = new Uint8Array((reference.exports.memory as WebAssembly.Memory).buffer);
    expect(expected.length).toBe(split.initialPages * 65536);

    const restore = new WebAssembly.Module(split.restore);
    const fresh = acquireMemory({ module: 'm', restore: 'r', ...split }, restore);
    expect(same(new Uint8Array(fresh.buffer), expected)).toBe(true);

    // The module itself instantiates over that memory and writes nothing into it.
    const inst = new WebAssembly.Instance(module, stubImports(module, { 'wisp:snapshot': { memory: fresh } }));
    expect(inst.exports.memory).toBe(fresh);
    expect(same(new Uint8Array(fresh.buffer), expected)).toBe(true);
  });

  it('rewrites every byte of a reused memory, whatever the last instance left in it', () => {
    const snap = { module: 'm', restore: 'r', ...split };
    const restore = new WebAssembly.Module(split.restore);
    const expected = new Uint8Array(acquireMemory(snap, restore).buffer).slice();
    const dirty = acquireMemory(snap, restore);
    new Uint8Array(dirty.buffer).fill(0xa5);
    releaseMemory(snap, dirty);
    const again = acquireMemory(snap, restore);
    expect(again).toBe(dirty); // the pooled memory, not a fresh one
    expect(same(new Uint8Array(again.buffer), expected)).toBe(true);

    // The same, for another artifact's image of the same shape (another restore module).
    new Uint8Array(again.buffer).fill(0x77);
    releaseMemory(snap, again);
    const third = acquireMemory(snap, new WebAssembly.Module(split.restore));
    expect(third).toBe(again);
    expect(same(new Uint8Array(third.buffer), expected)).toBe(true);
  });

  it('never pools a memory that grew (an instance must see its declared initial size)', () => {
    const snap = { module: 'm', restore: 'r', ...split };
    const restore = new WebAssembly.Module(split.restore);
    const grown = acquireMemory(snap, restore);
    grown.grow(1);
    releaseMemory(snap, grown);
    expect(acquireMemory(snap, restore)).not.toBe(grown);
  });

  it('leaves modules without a big initial image alone', () => {
    const tiny = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 5, 3, 1, 0, 1]); // one memory, no data
    expect(splitMemorySnapshot(tiny)).toBeUndefined();
  });
});

describe('engine: JS functions on snapshot memories', () => {
  const dirs: Record<string, string> = {};
  const engines: Engine[] = [];
  const spec = (name: string, over: Partial<FunctionSpec> = {}): FunctionSpec => ({
    name,
    version: '$LATEST',
    artifactDir: dirs[name]!,
    env: {},
    ...DEFAULTS,
    ...over,
  });
  const request = (query: string) => invokeRequest(query, { requestId: 'r', path: '/p', headers: [['host', 'localhost']], authority: 'localhost' });

  beforeAll(async () => {
    for (const [name, src] of [
      ['hello-js', join(ROOT, 'examples', 'hello-js')],
      ['counter-js', join(FIXTURES, 'counter-js')],
      ['adversarial-js', join(FIXTURES, 'adversarial-js')],
    ] as const) {
      const b = await build(src, { cacheDir: DATA_DIR });
      expect(b.meta.snapshots.map((s) => s.module), name).toEqual(['component.core.wasm']);
      dirs[name] = b.dir;
    }
    engines.push(new Engine({ isolation: 'inline' }), new Engine({ isolation: 'worker', minWorkers: 1, maxWorkers: 1 }));
  });
  afterAll(async () => {
    await Promise.all(engines.map((e) => e.close()));
  });

  it.each([0, 1])('gives each fresh instance fresh globals and heap, on a reused memory (engine %i)', async (k) => {
    const e = engines[k]!;
    for (let i = 0; i < 4; i++) {
      const r = await e.invoke(spec('counter-js'), request(''));
      expect(r.error).toBeUndefined();
      expect(dec.decode(r.response!.body)).toBe('count=1 path=/p\n');
    }
    if (k === 0) expect(pooledMemories()).toBeGreaterThan(0);
    // The hot tier keeps its instance (and memory): state carries over, as it should.
    const hot = spec('counter-js', { name: 'counter-js-hot', reuse: true, artifactDir: dirs['counter-js'] });
    const counts: string[] = [];
    for (let i = 0; i < 3; i++) counts.push(dec.decode((await e.invoke(hot, request(''))).response!.body).split(' ')[0]!);
    expect(counts).toEqual(['count=1', 'count=2', 'count=3']);
    // Fresh instances interleaved with the hot one still start from the snapshot.
    expect(dec.decode((await e.invoke(spec('counter-js'), request(''))).response!.body)).toMatch(/^count=1 /);
  });

  it.each([0, 1])('keeps memory limits: below the initial image, and on growth (engine %i)', async (k) => {
    const e = engines[k]!;
    const small = await e.invoke(spec('hello-js', { memoryMB: 4 }), request('name=x'));
    expect(small.error?.code).toBe('MemoryLimitExceeded');
    // SpiderMonkey survives the refused grow and answers 500 itself.
    const bomb = await e.invoke(spec('adversarial-js', { memoryMB: 32 }), request('bomb'));
    expect(bomb.logs).toContain("[wisp] memory.grow refused: the function's memory limit is 32 MiB");
    expect(bomb.memoryBytes).toBeGreaterThan(16 * 1024 * 1024);
    expect(bomb.memoryBytes).toBeLessThanOrEqual(32 * 1024 * 1024);
    // The grown memory was dropped, not pooled: the next instances are sound.
    for (let i = 0; i < 2; i++) {
      const ok = await e.invoke(spec('adversarial-js', { memoryMB: 32 }), request('fine'));
      expect(dec.decode(ok.response!.body)).toBe('ok fine\n');
      const hello = await e.invoke(spec('hello-js'), request('name=after'));
      expect(dec.decode(hello.response!.body)).toBe('Hello, after\n');
    }
  });

  it('runs glue patched not to throw per instance (JSPI probe) nor read process.env per call', () => {
    const glue = readFileSync(join(dirs['hello-js']!, 'component.mjs'), 'utf8');
    expect(glue).not.toMatch(/[^(]WebAssembly\.promising\(/);
    expect(glue).toContain('(WebAssembly.promising ?? ((f) => f))(');
    expect(glue).not.toContain('if (!globalThis?.process?.env?.JCO_DEBUG)');
    // debug statements do not build their arguments unless debugging is on
    expect(glue).not.toMatch(/^[ \t]*_debugLog\(/m);
    expect(glue).toContain('_jcoDebug && _debugLog(');
  });

  it('refuses to run an instance twice once it gave its memory back', async () => {
    const art = await loadArtifact(dirs['hello-js']!);
    const compiled = await compileArtifact(art);
    const inst = createInstance(art, compiled, spec('hello-js'), { responseBytes: 1 << 20, logBytes: 1 << 16 });
    const handler = Object.entries(inst.exports).find(([k]) => k.startsWith('wasi:http/incoming-handler@'))![1] as {
      handle: (...a: unknown[]) => void;
    };
    expect(() => handler.handle(undefined, undefined)).toThrow(); // the guest rejects the bad arguments
    expect(() => handler.handle(undefined, undefined)).toThrow(/already run/);
  });
});
