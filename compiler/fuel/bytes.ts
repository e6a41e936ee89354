/**
 * Minimal byte reader / writer for the WebAssembly binary format (LEB128 and friends).
 * Kept allocation-free on the hot paths: the pass walks multi-megabyte code sections.
 */

export class DecodeError extends Error {}

export class Reader {
  pos: number;
  constructor(readonly buf: Uint8Array, pos = 0, readonly end = buf.length) {
    this.pos = pos;
  }

  eof(): boolean {
    return this.pos >= this.end;
  }

  byte(): number {
    if (this.pos >= this.end) throw new DecodeError(`unexpected end of data at offset ${this.pos}`);
    return this.buf[this.pos++]!;
  }

  peek(): number {
    if (this.pos >= this.end) throw new DecodeError(`unexpected end of data at offset ${this.pos}`);
    return this.buf[this.pos]!;
  }

  /** Unsigned LEB128 that must fit in 32 bits (returned as a non-negative JS number). */
  u32(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.byte();
      if (shift < 28) result |= (b & 0x7f) << shift;
      else {
        if (shift > 28 || (b & 0x70) !== 0) throw new DecodeError(`u32 LEB too large at offset ${this.pos - 1}`);
        result |= (b & 0x0f) << 28;
      }
      if ((b & 0x80) === 0) return result >>> 0;
      shift += 7;
    }
  }

  /** Skip any LEB128 (signed or unsigned, up to 10 bytes). */
  skipLeb(): void {
    for (let i = 0; i < 10; i++) if ((this.byte() & 0x80) === 0) return;
    throw new DecodeError(`LEB128 too long at offset ${this.pos}`);
  }

  /** Signed LEB128 up to 33 bits (block types, heap types). Returns a JS number. */
  s33(): number {
    let result = 0;
    let shift = 0;
    let b: number;
    do {
      b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if (shift > 35) throw new DecodeError(`s33 LEB too long at offset ${this.pos}`);
    } while (b & 0x80);
    if (b & 0x40) result -= 2 ** shift;
    return result;
  }

  bytes(n: number): Uint8Array {
    if (this.pos + n > this.end) throw new DecodeError(`unexpected end of data at offset ${this.pos}`);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  skip(n: number): void {
    if (this.pos + n > this.end) throw new DecodeError(`unexpected end of data at offset ${this.pos}`);
    this.pos += n;
  }

  name(): string {
    const n = this.u32();
    return new TextDecoder('utf-8', { fatal: false }).decode(this.bytes(n));
  }
}

export class Writer {
  buf: Uint8Array<ArrayBuffer>;
  len = 0;
  constructor(initial = 1024) {
    this.buf = new Uint8Array(new ArrayBuffer(initial));
  }

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const nb = new Uint8Array(new ArrayBuffer(cap));
    nb.set(this.buf.subarray(0, this.len));
    this.buf = nb;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.len++] = b;
  }

  bytes(src: Uint8Array, start = 0, end = src.length): void {
    const n = end - start;
    this.ensure(n);
    this.buf.set(src.subarray(start, end), this.len);
    this.len += n;
  }

  u32(v: number): void {
    this.ensure(5);
    v >>>= 0;
    do {
      let b = v & 0x7f;
      v >>>= 7;
      if (v !== 0) b |= 0x80;
      this.buf[this.len++] = b;
    } while (v !== 0);
  }

  /** Signed LEB128 for any safe integer (used for i32.const / i64.const). */
  sleb(v: number | bigint): void {
    this.ensure(10);
    let x = BigInt(v);
    for (;;) {
      const b = Number(x & 0x7fn);
      x >>= 7n;
      const done = (x === 0n && (b & 0x40) === 0) || (x === -1n && (b & 0x40) !== 0);
      this.buf[this.len++] = done ? b : b | 0x80;
      if (done) return;
    }
  }

  name(s: string): void {
    const b = new TextEncoder().encode(s);
    this.u32(b.length);
    this.bytes(b);
  }

  /** Append `w` prefixed with its byte length (sections, function bodies). */
  sized(w: Writer): void {
    this.u32(w.len);
    this.bytes(w.buf, 0, w.len);
  }

  result(): Uint8Array<ArrayBuffer> {
    return this.buf.slice(0, this.len);
  }
}
