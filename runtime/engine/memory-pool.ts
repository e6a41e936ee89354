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
// A resettable module (compiler/instance-reset.ts) also keeps, with each pooled memory, the
// instance that last ran on it: zeroing that memory then also copies the data segments' bytes
// back in and writes every mutable global's initial value, which puts the instance in exactly
// the state a new instantiation would (tables and segments cannot have changed), and the next
// invocation runs on it without a new V8 instance (docs/runtime.md, "Recycled instances").
//
// Invariants:
//   - take() returns a slot nobody else holds: its memory every byte zero, of the module's
//     initial size, or, with an instance, memory and globals as that instance's instantiation
//     left them;
//   - a memory that grew is never reused (memories cannot shrink);
//   - whoever gives a slot back guarantees that nothing can run on it any more except through
//     the next taker.

import { memoryTypeOf, type MemoryType } from '../../compiler/memory-import.js';
import { resetInfoOf, type ResetInfo } from '../../compiler/instance-reset.js';

const PAGE = 65536;
/** Bigger memories (Ruby's 34 MiB) are not pooled: a memset of all of it on every reuse, and
 *  holding it idle, cost more than a fresh memory that faults in only what its guest touches. */
export const MAX_POOLED_BYTES = 4 * 1024 * 1024;
/** Per module and thread: enough for back-to-back requests and one pre-warmed instance. */
export const MAX_POOLED_PER_MODULE = 2;

/** A pooled memory, and the instance that runs on it when the module is resettable. */
export class Slot {
  instance: WebAssembly.Instance | undefined;
  /** The instance's mutable globals (exported by the build, compiler/instance-reset.ts). */
  globals: WebAssembly.Global[] = [];
  constructor(readonly memory: WebAssembly.Memory) {}
}

/** What a new instantiation writes: the data segments' bytes and the globals' initial values,
 *  read from the first instance right after its instantiation (before any guest code ran). */
interface Image {
  data: { offset: number; bytes: Uint8Array }[];
  globals: (number | bigint)[];
}

export class MemoryPool {
  /** Ready to hand out. */
  private clean: Slot[] = [];
  /** Given back, not reset yet. */
  private dirty: Slot[] = [];
  private readonly bytes: number;
  private readonly pooled: boolean;
  private image: Image | undefined;
  /** Invocations that ran on a kept instance instead of a new one (tests, stats). */
  recycled = 0;

  constructor(
    readonly type: MemoryType,
    /** Set for resettable modules when recycling is on. */
    private readonly reset?: ResetInfo,
  ) {
    this.bytes = type.initial * PAGE;
    this.pooled = this.bytes <= MAX_POOLED_BYTES;
  }

  take(): Slot {
    let slot = this.clean.pop();
    if (!slot && (slot = this.dirty.pop())) this.restore(slot);
    slot ??= new Slot(new WebAssembly.Memory(this.type));
    if (slot.instance) this.recycled++;
    return slot;
  }

  /**
   * `instance` was just made on `slot`'s memory and no guest code has run in it yet: keep it
   * with the slot if the module is resettable (the first one also gives the image).
   */
  adopt(slot: Slot, instance: WebAssembly.Instance): void {
    const reset = this.reset;
    if (!reset || !this.pooled) return;
    const globals = reset.globals.map((name) => instance.exports[name] as WebAssembly.Global);
    this.image ??= {
      data: reset.data.map(([start, end]) => ({ offset: start, bytes: new Uint8Array(slot.memory.buffer, start, end - start).slice() })),
      globals: globals.map((g) => g.value as number | bigint),
    };
    slot.instance = instance;
    slot.globals = globals;
  }

  /** The slot's last holder is done with it for good. */
  give(slot: Slot): void {
    if (!this.pooled || slot.memory.buffer.byteLength !== this.bytes) return;
    if (this.clean.length + this.dirty.length >= MAX_POOLED_PER_MODULE) return;
    this.dirty.push(slot);
    scheduleZeroing(this);
  }

  /** Reset what was given back, off the request path (an idle turn of the event loop). */
  zeroDirty(): void {
    for (let s = this.dirty.pop(); s; s = this.dirty.pop()) {
      this.restore(s);
      this.clean.push(s);
    }
  }

  private restore(slot: Slot): void {
    const memory = new Uint8Array(slot.memory.buffer);
    memory.fill(0);
    if (!slot.instance) return;
    const image = this.image!;
    for (const d of image.data) memory.set(d.bytes, d.offset);
    const { globals } = slot;
    for (let i = 0; i < globals.length; i++) globals[i]!.value = image.globals[i];
  }

  get size(): { clean: number; dirty: number } {
    return { clean: this.clean.length, dirty: this.dirty.length };
  }
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

/** `WISP_RECYCLE=0` makes every invocation instantiate anew (A/B measurements). */
const recycling = () => process.env.WISP_RECYCLE !== '0';

export function memoryPoolOf(module: WebAssembly.Module): MemoryPool | undefined {
  let pool = pools.get(module);
  if (pool === undefined) {
    const type = memoryTypeOf(module);
    pool = type ? new MemoryPool(type, recycling() ? resetInfoOf(module) : undefined) : null;
    pools.set(module, pool);
  }
  return pool ?? undefined;
}
