/** An append-only byte buffer with a hard cap; `overflowed` tells the host a guest hit it.
 *  The bytes go into one growing buffer (not a copy per write joined at the end: a hello-c
 *  request wrote twice, then joined, three allocations for ~60 bytes). */
export class ByteSink {
  private buf: Uint8Array | undefined;
  length = 0;
  overflowed = false;

  constructor(
    readonly limit: number,
    /** Told once when the cap is hit (the host reports it even if the guest then traps). */
    private readonly onOverflow?: () => void,
  ) {}

  /** Empty again, for the next invocation. What bytes() returned before stays valid: the next
   *  write starts a new buffer. */
  reset(): this {
    this.buf = undefined;
    this.length = 0;
    this.overflowed = false;
    return this;
  }

  push(bytes: Uint8Array): boolean {
    return this.write(bytes, 0, bytes.length);
  }

  /** push(src.subarray(start, end)) without making that view (a guest's fd_write passes its
   *  whole memory and a range). */
  write(src: Uint8Array, start: number, end: number): boolean {
    const len = end - start;
    const fits = this.length + len <= this.limit;
    // Keep what fits so logs still show the start of a runaway writer.
    const n = fits ? len : this.limit - this.length;
    if (n > 0) {
      const at = this.length;
      let buf = this.buf;
      if (!buf || buf.length < at + n) {
        const size = Math.min(this.limit, Math.max(at + n, 2 * (buf?.length ?? 0), MIN_BYTES));
        const bigger = size <= MIN_BYTES ? fromSlab(size) : new Uint8Array(size);
        if (buf) bigger.set(buf.subarray(0, at));
        this.buf = buf = bigger;
      }
      // A copy: the guest's view into its linear memory is only valid during the call. Short
      // writes (most of them) by a loop: no view, no native call.
      if (n <= 64) for (let i = 0; i < n; i++) buf[at + i] = src[start + i]!;
      else buf.set(src.subarray(start, start + n), at);
      this.length = at + n;
    }
    if (fits) return true;
    if (!this.overflowed) this.onOverflow?.();
    this.overflowed = true;
    return false;
  }

  /** What was written: a view that later writes never change (they go past it, or into a new
   *  buffer after a reset or when this one is full). */
  bytes(): Uint8Array {
    return this.buf ? this.buf.subarray(0, this.length) : EMPTY;
  }
}

/** The first buffer of a sink that is written to: a small response fits. */
const MIN_BYTES = 256;

/**
 * First buffers are views of a shared slab: a typed array of its own is an allocation outside
 * V8's heap (~0.35 µs, and a finalizer for the collector), a view of a slab ~0.03 µs. Nothing
 * reads a sink's bytes but through the view bytes() returns (a worker copies a body that is a
 * view before posting it: worker/main.ts).
 */
const SLAB_BYTES = 64 << 10;
let slab = new Uint8Array(0);
let slabUsed = 0;
function fromSlab(n: number): Uint8Array {
  if (slabUsed + n > slab.length) {
    slab = new Uint8Array(SLAB_BYTES);
    slabUsed = 0;
  }
  const view = slab.subarray(slabUsed, slabUsed + n);
  slabUsed += n;
  return view;
}
const EMPTY = new Uint8Array(0);
