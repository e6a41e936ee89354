// wasi:io — streams, pollables and errors as jco's glue expects them (classes whose
// methods return values directly and throw the `err` payload of a `result`).
//
// Everything here is synchronous: guests run to completion on one thread, so a "blocking"
// operation either has its data already (request bodies are buffered before the call) or
// sleeps the thread (clock pollables), which the wall-clock limit bounds.

/** The error payload of wasi:io/streams `stream-error`. Thrown plain (not an Error) so jco's
 *  glue lowers it as the `err` case instead of treating it as a host crash. */
export type StreamError = { tag: 'closed' } | { tag: 'last-operation-failed'; val: IoError };

// Made on first use: a host started from a V8 startup snapshot evaluated this module while the
// snapshot was built, where SharedArrayBuffer does not exist (docs/bench.md, "startup snapshot").
let sleepCell: Int32Array | undefined;

/** Sleep the current thread without spinning (Atomics.wait is allowed on Node's main thread). */
export function sleepMs(ms: number): void {
  if (ms > 0) Atomics.wait((sleepCell ??= new Int32Array(new SharedArrayBuffer(4))), 0, 0, ms);
}

export class IoError {
  constructor(private readonly message: string) {}
  toDebugString(): string {
    return this.message;
  }
}

export class Pollable {
  /** `deadlineNs` undefined means ready now (buffered streams never make a guest wait). */
  constructor(readonly deadlineNs?: bigint) {}
  ready(): boolean {
    return this.deadlineNs === undefined || process.hrtime.bigint() >= this.deadlineNs;
  }
  block(): void {
    if (this.deadlineNs === undefined) return;
    const left = this.deadlineNs - process.hrtime.bigint();
    if (left > 0n) sleepMs(Math.ceil(Number(left) / 1e6));
  }
}

/** wasi:io/poll#poll: block until at least one is ready, return the ready indices. */
export function poll(list: Pollable[]): Uint32Array {
  if (list.length === 0) return new Uint32Array(0);
  for (;;) {
    const ready: number[] = [];
    list.forEach((p, i) => p.ready() && ready.push(i));
    if (ready.length > 0) return Uint32Array.from(ready);
    // None ready means every one has a deadline: sleep until the earliest.
    list.reduce((a, b) => ((b.deadlineNs ?? 0n) < (a.deadlineNs ?? 0n) ? b : a)).block();
  }
}

/** A readable stream over a fixed buffer (request bodies, stdin). */
export class InputStream {
  private offset = 0;
  constructor(private readonly data: Uint8Array) {}

  read(len: bigint): Uint8Array {
    if (this.offset >= this.data.length) throw { tag: 'closed' } satisfies StreamError;
    const n = Math.min(Number(len), this.data.length - this.offset);
    const out = this.data.slice(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }
  blockingRead(len: bigint): Uint8Array {
    return this.read(len);
  }
  skip(len: bigint): bigint {
    return BigInt(this.read(len).length);
  }
  blockingSkip(len: bigint): bigint {
    return this.skip(len);
  }
  subscribe(): Pollable {
    return new Pollable();
  }
}

/** Where an OutputStream's bytes go. Returns false when the sink refuses (over its cap). */
export type Sink = (bytes: Uint8Array) => boolean;

/** How much a guest may write in one `write` call: the permit check-write hands out. */
const WRITE_PERMIT = 1n << 20n;

export class OutputStream {
  private closed = false;
  constructor(private readonly sink: Sink) {}

  checkWrite(): bigint {
    if (this.closed) throw { tag: 'closed' } satisfies StreamError;
    return WRITE_PERMIT;
  }
  write(contents: Uint8Array): void {
    if (this.closed) throw { tag: 'closed' } satisfies StreamError;
    if (!this.sink(contents)) {
      this.closed = true;
      throw { tag: 'last-operation-failed', val: new IoError('output limit exceeded') } satisfies StreamError;
    }
  }
  blockingWriteAndFlush(contents: Uint8Array): void {
    this.write(contents);
  }
  flush(): void {
    if (this.closed) throw { tag: 'closed' } satisfies StreamError;
  }
  blockingFlush(): void {
    this.flush();
  }
  subscribe(): Pollable {
    return new Pollable();
  }
  writeZeroes(len: bigint): void {
    this.write(new Uint8Array(Number(len)));
  }
  blockingWriteZeroesAndFlush(len: bigint): void {
    this.writeZeroes(len);
  }
  splice(src: InputStream, len: bigint): bigint {
    const chunk = src.read(len);
    this.write(chunk);
    return BigInt(chunk.length);
  }
  blockingSplice(src: InputStream, len: bigint): bigint {
    return this.splice(src, len);
  }
  /** Host side: the guest may not write any more (e.g. a finished HTTP body). */
  close(): void {
    this.closed = true;
  }
}
