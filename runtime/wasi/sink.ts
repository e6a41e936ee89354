/** An append-only byte buffer with a hard cap; `overflowed` tells the host a guest hit it. */
export class ByteSink {
  private chunks: Uint8Array[] = [];
  length = 0;
  overflowed = false;

  constructor(
    readonly limit: number,
    /** Told once when the cap is hit (the host reports it even if the guest then traps). */
    private readonly onOverflow?: () => void,
  ) {}

  push(bytes: Uint8Array): boolean {
    if (this.length + bytes.length > this.limit) {
      // Keep what fits so logs still show the start of a runaway writer.
      const room = this.limit - this.length;
      if (room > 0) this.chunks.push(bytes.slice(0, room));
      this.length = this.limit;
      if (!this.overflowed) this.onOverflow?.();
      this.overflowed = true;
      return false;
    }
    // Copy: the guest's view into its linear memory is only valid during the call.
    this.chunks.push(bytes.slice());
    this.length += bytes.length;
    return true;
  }

  bytes(): Uint8Array {
    if (this.chunks.length === 1) return this.chunks[0]!;
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}
