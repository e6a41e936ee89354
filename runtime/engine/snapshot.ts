// Linear memories for snapshot-split modules (compiler/snapshot.ts), pooled per thread. A fresh
// WebAssembly.Memory faults in every page the initial image touches (~1.8 µs per 4 KiB page
// here); a memory a finished instance gave back is already touched, and the restore module
// rewrites all of it - image and zeros - so the next instance sees exactly what a fresh
// instantiation would have made.
//
// Invariants:
// - a memory is given back only by an instance that can never run again (singleUse);
// - only memories still at their initial size are pooled (a memory cannot shrink, and a fresh
//   instance must see its declared initial size);
// - restore overwrites every byte below byteLength, at acquire, before any guest code runs.

import { RESTORE_EXPORT, SNAPSHOT_MEMORY, SNAPSHOT_MODULE } from '../../compiler/snapshot-abi.js';
import type { MemorySnapshotMeta } from '../../compiler/artifact.js';

const PAGE = 65536;
/** Per memory shape: sequential invocations on one thread need one; a pool refill right
 *  after a request needs a second. More would only hold RSS. */
const POOLED_PER_SHAPE = 2;
/** Bigger memories are not worth holding idle. */
const MAX_POOLED_BYTES = 256 * 1024 * 1024;

type Restore = (zeroEnd: number) => void;

const pools = new Map<string, WebAssembly.Memory[]>();
/** The restore instance bound to a memory, for the restore module it was made from. */
const restorers = new WeakMap<WebAssembly.Memory, { module: WebAssembly.Module; restore: Restore }>();

const shapeKey = (s: MemorySnapshotMeta) => `${s.initialPages}:${s.maximumPages ?? ''}`;

function restorerFor(memory: WebAssembly.Memory, module: WebAssembly.Module): Restore {
  const hit = restorers.get(memory);
  if (hit?.module === module) return hit.restore;
  const instance = new WebAssembly.Instance(module, { [SNAPSHOT_MODULE]: { [SNAPSHOT_MEMORY]: memory } });
  const restore = instance.exports[RESTORE_EXPORT] as Restore;
  restorers.set(memory, { module, restore });
  return restore;
}

/** A memory holding the module's initial image: pooled (rewritten whole) or fresh. */
export function acquireMemory(snap: MemorySnapshotMeta, restoreModule: WebAssembly.Module): WebAssembly.Memory {
  const reused = pools.get(shapeKey(snap))?.pop();
  const memory =
    reused ??
    new WebAssembly.Memory(
      snap.maximumPages === undefined ? { initial: snap.initialPages } : { initial: snap.initialPages, maximum: snap.maximumPages },
    );
  // 0: a fresh memory is all zeros already, only the image is copied in.
  restorerFor(memory, restoreModule)(reused ? memory.buffer.byteLength : 0);
  return memory;
}

/** Give a memory back. Its instance must never run again. */
export function releaseMemory(snap: MemorySnapshotMeta, memory: WebAssembly.Memory): void {
  const bytes = memory.buffer.byteLength;
  if (bytes !== snap.initialPages * PAGE || bytes > MAX_POOLED_BYTES) return;
  const key = shapeKey(snap);
  let pool = pools.get(key);
  if (!pool) pools.set(key, (pool = []));
  if (pool.length < POOLED_PER_SHAPE && !pool.includes(memory)) pool.push(memory);
}

/** Memories idle in this thread's pools (tests, stats). */
export function pooledMemories(): number {
  let n = 0;
  for (const p of pools.values()) n += p.length;
  return n;
}

/**
 * The component's exports, made single-use: the first call into any of them runs, and when it
 * returns or throws, `done` runs (the memory goes back to the pool). Any later call throws
 * before reaching the guest, so no code ever runs on a memory another instance now owns.
 */
export function singleUse(exports: Record<string, unknown>, done: () => void): Record<string, unknown> {
  let used = false;
  type Fn = (...args: unknown[]) => unknown;
  const wrap = (fn: Fn, self: unknown) => (...args: unknown[]) => {
    if (used) throw new Error('this instance has already run: its memory belongs to another instance now');
    used = true;
    try {
      return fn.apply(self, args);
    } finally {
      done();
    }
  };
  // jco exports each interface under two names (short and versioned): one wrapper for both.
  const wrapped = new Map<unknown, unknown>();
  const wrapValue = (v: unknown, self: unknown): unknown => {
    if (typeof v === 'function') return wrap(v as Fn, self);
    if (v === null || typeof v !== 'object') return v;
    let w = wrapped.get(v);
    if (!w) wrapped.set(v, (w = Object.fromEntries(Object.entries(v).map(([k, f]) => [k, typeof f === 'function' ? wrap(f as Fn, v) : f]))));
    return w;
  };
  return Object.fromEntries(Object.entries(exports).map(([k, v]) => [k, wrapValue(v, exports)]));
}

/** One instance's snapshot memories: the imports the split modules need, and the hand-back. */
export class SnapshotMemories {
  private taken: [MemorySnapshotMeta, WebAssembly.Memory][] = [];

  private readonly snapshots: MemorySnapshotMeta[];

  constructor(
    snapshots: MemorySnapshotMeta[] | undefined,
    private readonly modules: Map<string, WebAssembly.Module>,
  ) {
    this.snapshots = snapshots ?? [];
  }

  /** The memory import `module` needs if it is a split module, else nothing. */
  importsFor(module: WebAssembly.Module): WebAssembly.Imports | undefined {
    if (this.snapshots.length === 0) return undefined;
    const snap = this.snapshots.find((s) => this.modules.get(s.module) === module);
    if (!snap) return undefined;
    const restore = this.modules.get(snap.restore);
    if (!restore) throw new Error(`snapshot restore module ${snap.restore} is not compiled`);
    const memory = acquireMemory(snap, restore);
    this.taken.push([snap, memory]);
    return { [SNAPSHOT_MODULE]: { [SNAPSHOT_MEMORY]: memory } };
  }

  /** What the engine may call. A reusable (hot) instance keeps its memories for its lifetime;
   *  any other runs once and gives them back. */
  exports(exports: Record<string, unknown>, reusable: boolean): Record<string, unknown> {
    if (this.taken.length === 0 || reusable) return exports;
    const taken = this.taken;
    return singleUse(exports, () => {
      for (const [snap, memory] of taken) releaseMemory(snap, memory);
    });
  }
}
