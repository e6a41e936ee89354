// Linear memories for modules that import theirs (compiler/memory-import.ts), kept per compiled
// module and per thread. A fresh WebAssembly.Memory costs a reservation (~8 µs), a page fault
// (~1.6 µs) for each 4 KiB page the guest then touches, and garbage collection: V8 collects
// eagerly to release the address space of dead memories, which averaged ~90 µs per
// hello-rust request (median 33 µs, mean 129 µs back to back; pooled: 29 and 47).
//
// A memory given back is reused only after it has been zeroed completely, so the next instance
// starts exactly as on a fresh memory (then V8 copies the data segments in). Zeroing happens in
// an idle turn of the event loop when there is one, else when the memory is taken. The first
// zeroing of a memory also faults in every page its guest never touched (hello-rust, 17 pages:
// ~0.45 ms, once); after that it is a memset (~8 µs per MiB).
//
// Invariants:
//   - take() returns a memory nobody else holds, every byte zero, of the module's initial size;
//   - a memory that grew is never reused (memories cannot shrink);
//   - whoever gives a memory back guarantees that nothing can run on it any more.

import { memoryTypeOf, type MemoryType } from '../../compiler/memory-import.js';

const PAGE = 65536;
/** Bigger memories (Ruby's 34 MiB) are not pooled: a memset of all of it on every reuse, and
 *  holding it idle, cost more than a fresh memory that faults in only what its guest touches. */
export const MAX_POOLED_BYTES = 4 * 1024 * 1024;
/** Per module and thread: enough for back-to-back requests and one pre-warmed instance. */
export const MAX_POOLED_PER_MODULE = 2;

export class MemoryPool {
  /** Zeroed, ready to hand out. */
  private clean: WebAssembly.Memory[] = [];
  /** Given back, not zeroed yet. */
  private dirty: WebAssembly.Memory[] = [];
  private readonly bytes: number;
  private readonly pooled: boolean;

  constructor(readonly type: MemoryType) {
    this.bytes = type.initial * PAGE;
    this.pooled = this.bytes <= MAX_POOLED_BYTES;
  }

  take(): WebAssembly.Memory {
    const clean = this.clean.pop();
    if (clean) return clean;
    const dirty = this.dirty.pop();
    if (dirty) {
      zero(dirty);
      return dirty;
    }
    return new WebAssembly.Memory(this.type);
  }

  /** The memory's last holder is done with it for good. */
  give(memory: WebAssembly.Memory): void {
    if (!this.pooled || memory.buffer.byteLength !== this.bytes) return;
    if (this.clean.length + this.dirty.length >= MAX_POOLED_PER_MODULE) return;
    this.dirty.push(memory);
    scheduleZeroing(this);
  }

  /** Zero what was given back, off the request path (an idle turn of the event loop). */
  zeroDirty(): void {
    for (let m = this.dirty.pop(); m; m = this.dirty.pop()) {
      zero(m);
      this.clean.push(m);
    }
  }

  get size(): { clean: number; dirty: number } {
    return { clean: this.clean.length, dirty: this.dirty.length };
  }
}

function zero(memory: WebAssembly.Memory): void {
  new Uint8Array(memory.buffer).fill(0);
}

const pending = new Set<MemoryPool>();
let scheduled = false;

function scheduleZeroing(pool: MemoryPool): void {
  pending.add(pool);
  if (scheduled) return;
  scheduled = true;
  // A thread that serves requests back to back never idles: take() then zeroes on demand.
  setImmediate(() => {
    scheduled = false;
    for (const p of pending) p.zeroDirty();
    pending.clear();
  }).unref();
}

/** Per compiled module; undefined for modules that define their own memory. */
const pools = new WeakMap<WebAssembly.Module, MemoryPool | null>();

export function memoryPoolOf(module: WebAssembly.Module): MemoryPool | undefined {
  let pool = pools.get(module);
  if (pool === undefined) {
    const type = memoryTypeOf(module);
    pool = type ? new MemoryPool(type) : null;
    pools.set(module, pool);
  }
  return pool ?? undefined;
}
