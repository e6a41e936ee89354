// Resettable preview1 modules (compiler/instance-reset.ts): which modules qualify, what the
// rewrite adds, and that a pooled instance reset by runtime/engine/memory-pool.ts is in the
// state a new instantiation gives, for a guest that changes its globals and data.
import { describe, expect, it } from 'vitest';
import { GLOBAL_EXPORT_PREFIX, prepareReset, resetInfoOf } from '../../compiler/instance-reset.js';
import { importMemory, MEMORY_IMPORT } from '../../compiler/memory-import.js';
import { MemoryPool } from '../../runtime/engine/memory-pool.js';
import { wasm } from '../helpers/wat.js';


/** A module as the build hands it over: its memory already imported. */
const pooled = (text: string) => importMemory(wasm(text))!;

function prepared(text: string): Uint8Array<ArrayBuffer> {
  const r = prepareReset(pooled(text));
  if (!('module' in r)) throw new Error(`not resettable: ${r.reason}`);
  return r.module;
}

const reason = (text: string) => {
  const r = prepareReset(pooled(text));
  return 'reason' in r ? r.reason : 'resettable';
};

// A guest that changes everything a reset must put back: two mutable globals of different types
// (one the stack pointer, moved and not restored, as after a trap), a data byte, a heap byte.
const GUEST = `(module
  (memory (export "memory") 2)
  (global $sp (mut i32) (i32.const 65536))
  (global $count (mut i64) (i64.const 40))
  (global $limit i32 (i32.const 7))
  (table 2 funcref)
  (elem (i32.const 0) $a $b)
  (data (i32.const 1024) "seed")
  (data (i32.const 1026) "EDS")
  (data (i32.const 4000) "x")
  (data (i32.const 9000) "far")
  (func $a (result i32) (i32.const 1))
  (func $b (result i32) (i32.const 2))
  (func (export "_start")
    (global.set $sp (i32.sub (global.get $sp) (i32.const 512)))
    (global.set $count (i64.add (global.get $count) (i64.const 1)))
    (i32.store8 (i32.const 1024) (i32.add (i32.load8_u (i32.const 1024)) (i32.const 1)))
    (i32.store (i32.const 70000) (i32.const -1)))
  (func (export "probe") (result i32 i64 i32 i32 i32)
    (global.get $sp) (global.get $count) (i32.load8_u (i32.const 1024)) (i32.load (i32.const 70000))
    (call_indirect (result i32) (i32.const 1))))`;

describe('prepareReset (build time)', () => {
  it('exports each mutable global and records them and the data ranges, merged where close', () => {
    const module = new WebAssembly.Module(prepared(GUEST));
    const info = resetInfoOf(module)!;
    expect(info.globals).toHaveLength(2);
    expect(info.globals.every((g) => g.startsWith(GLOBAL_EXPORT_PREFIX))).toBe(true);
    const exported = WebAssembly.Module.exports(module);
    for (const g of info.globals) expect(exported).toContainEqual({ name: g, kind: 'global' });
    // The original exports stay.
    expect(exported).toContainEqual({ name: '_start', kind: 'function' });
    // Close ranges are copied as one (the gap is zero in a new instance too); far ones not.
    expect(info.data).toEqual([
      [1024, 4001],
      [9000, 9003],
    ]);
    expect(resetInfoOf(new WebAssembly.Module(pooled(GUEST)))).toBeUndefined();
  });

  it('refuses modules whose state a reset could not put back', () => {
    const mem = '(memory (export "memory") 1)';
    const start = '(func (export "_start"))';
    expect(reason(`(module ${mem} (func $s) (start $s) ${start})`)).toBe('a start function');
    expect(reason(`(module ${mem} (table 1 funcref) (func (export "_start") (table.set (i32.const 0) (ref.null func))))`)).toBe('table.set');
    expect(reason(`(module ${mem} (table 1 funcref) (func (export "_start") (drop (table.grow (ref.null func) (i32.const 1)))))`)).toBe(
      'table.grow',
    );
    expect(reason(`(module ${mem} (table 1 funcref) (func (export "_start") (table.fill (i32.const 0) (ref.null func) (i32.const 1))))`)).toBe(
      'table.fill',
    );
    expect(reason(`(module ${mem} (data $d "x") (func (export "_start") (data.drop $d)))`)).toMatch(/passive data segment|data.drop/);
    expect(reason(`(module ${mem} (data $d "x") ${start})`)).toBe('a passive data segment');
    expect(reason(`(module ${mem} (global (mut v128) (v128.const i32x4 0 0 0 0)) ${start})`)).toBe('a mutable global of type 0x7b');
    expect(reason(`(module ${mem} (global (mut funcref) (ref.null func)) ${start})`)).toBe('a mutable global of type 0x70');
    expect(reason(`(module ${mem} (table 1 funcref) (elem $e func) (func (export "_start") (elem.drop $e)))`)).toBe('elem.drop');
    expect(reason(`(module ${mem} (type $s (struct (field (mut i32)))) (global (export "g") (ref null $s) (ref.null $s)) ${start})`)).toMatch(/^GC types/);
    // A module that still defines its own memory was not pooled: nothing to reset into.
    const own = prepareReset(wasm(`(module ${mem} ${start})`));
    expect('reason' in own && own.reason).toBe('no imported memory');
  });

  it('keeps modules without mutable globals or data resettable', () => {
    const module = new WebAssembly.Module(prepared('(module (memory (export "memory") 1) (func (export "_start")))'));
    expect(resetInfoOf(module)).toEqual({ globals: [], data: [] });
  });
});

describe('MemoryPool with a resettable module', () => {
  type Probe = () => [number, bigint, number, number, number];

  function instantiate(module: WebAssembly.Module, memory: WebAssembly.Memory): WebAssembly.Instance {
    return new WebAssembly.Instance(module, { [MEMORY_IMPORT.module]: { [MEMORY_IMPORT.name]: memory } });
  }

  it('hands the same instance out again in the state a new instantiation gives', async () => {
    const module = new WebAssembly.Module(prepared(GUEST));
    const pool = new MemoryPool({ initial: 2 }, resetInfoOf(module));
    const slot = pool.take();
    expect(slot.instance).toBeUndefined();
    const instance = instantiate(module, slot.memory);
    pool.adopt(slot, instance);
    const probe = instance.exports.probe as Probe;
    const fresh = probe();
    expect(fresh).toEqual([65536, 40n, 's'.charCodeAt(0), 0, 2]);
    const start = instance.exports._start as () => void;
    start();
    start();
    expect(probe()).toEqual([65536 - 1024, 42n, 's'.charCodeAt(0) + 2, -1, 2]);

    pool.give(slot);
    const again = pool.take(); // reset on the spot
    expect(again).toBe(slot);
    expect(again.instance).toBe(instance);
    expect(pool.recycled).toBe(1);
    expect(probe()).toEqual(fresh);
    // Byte for byte what a new instance on a new memory holds.
    const other = new WebAssembly.Memory({ initial: 2 });
    instantiate(module, other);
    expect(Buffer.compare(new Uint8Array(again.memory.buffer), new Uint8Array(other.buffer))).toBe(0);

    start();
    pool.give(again);
    await new Promise((r) => setImmediate(r)); // reset in an idle turn this time
    expect(pool.size).toEqual({ clean: 1, dirty: 0 });
    expect(pool.take().instance).toBe(instance);
    expect(probe()).toEqual(fresh);
  });

  it('does not keep instances without reset info (older artifacts, WISP_RECYCLE=0)', () => {
    const module = new WebAssembly.Module(prepared(GUEST));
    const pool = new MemoryPool({ initial: 2 });
    const slot = pool.take();
    pool.adopt(slot, instantiate(module, slot.memory));
    pool.give(slot);
    expect(pool.take().instance).toBeUndefined();
  });
});
