// Wisp's own WASI preview1 host: what a plain preview1 command module (C/wasi-libc, Rust, Go
// wasip1, AssemblyScript) sees when it runs directly, without the component adapter and jco's
// glue (docs/runtime.md, "preview1 fast path"). Deny-by-default like the WASI 0.2 host
// (DESIGN.md, Decided 5):
//
//   argv      [function name]               environ   exactly what begin() is given
//   fd 0      the request body (read only)  fd 1 / 2  capped sinks (response / log)
//   clocks    realtime, monotonic           random    node:crypto
//   poll      clock subscriptions sleep the thread (Atomics.wait); stdio is always ready
//   proc_exit throws GuestExit              no preopens: every path_* and sock_* call fails
//
// Every pointer the guest passes is checked against its memory before use: a bad one returns
// EFAULT, never a host exception. Nothing here touches the host's files, env or network.

import { randomFillSync } from 'node:crypto';
import { GuestExit } from '../errors.js';
import { sleepMs } from '../io.js';
import { EnvList } from '../env.js';
import { ByteSink } from '../sink.js';
import { Clock, Errno, EventType, Filetype, PREVIEW1_FUNCTIONS, Rights, SUBSCRIPTION_CLOCK_ABSTIME, baseName } from './abi.js';

export interface Preview1Config {
  /** argv; by convention [function name]. */
  args: string[];
  /** The environment until the first begin() (a pre-warmed instance has no request yet); set
   *  again when a recycled instance's host serves the next invocation. */
  env: Record<string, string>;
  /** Caps on what one invocation may write to stdout / stderr. */
  stdoutLimit: number;
  stderrLimit: number;
  /** stdout is the response (commands): hitting its cap sets `responseOverflowed`. */
  stdoutIsResponse?: boolean;
  /** Asked before a poll_oneoff sleeps: true when the thread must not (a speculative run on
   *  the main thread), and the call then answers ENOSYS instead. */
  onWouldBlock?: () => boolean;
}

type Fn = (...args: never[]) => number;
export type Preview1Imports = Record<string, Fn>;

const EMPTY = new Uint8Array(0);
const EMPTY_VIEW = new DataView(new ArrayBuffer(0));
const enc = new TextEncoder();
const NO_ENV = EnvList.of({});

/** NUL-terminated strings laid out back to back, as args_get / environ_get want them. */
interface StringList {
  count: number;
  /** Every item followed by its NUL. */
  joined: string;
  /** UTF-8 length of `joined`. */
  size: number;
  /** Where each item starts, in bytes from the first. */
  offsets: number[];
}

/** argv: measured once as a whole, and encoded straight into the guest's memory by args_get.
 *  (The environment changes per invocation: environ_get encodes it from its object.) */
function stringList(items: string[]): StringList {
  let joined = '';
  for (const s of items) joined += s + '\0';
  const size = Buffer.byteLength(joined, 'utf8');
  const ascii = size === joined.length;
  const offsets = new Array<number>(items.length);
  let at = 0;
  for (let i = 0; i < items.length; i++) {
    offsets[i] = at;
    at += (ascii ? items[i]!.length : Buffer.byteLength(items[i]!, 'utf8')) + 1;
  }
  return { count: items.length, joined, size, offsets };
}

const realtimeNs = () => BigInt(Date.now()) * 1_000_000n;
const monotonicNs = () => process.hrtime.bigint();

export class Preview1Host {
  readonly args: string[];
  stdout: ByteSink;
  stderr: ByteSink;
  /** The invocation's response (stdout) hit its cap. */
  responseOverflowed = false;

  private env: EnvList;
  private argList?: StringList;
  /** [count, size] of the current environment, once measured. */
  private envSize?: [number, number];
  private stdin: Uint8Array = EMPTY;
  private stdinOffset = 0;
  /** Bit i set: the guest closed fd i (0..2) in this invocation. */
  private closedFds = 0;

  private allImports?: Preview1Imports;
  private memory?: WebAssembly.Memory;
  private buf: ArrayBuffer | undefined;
  private u8: Uint8Array = EMPTY;
  private dv: DataView = EMPTY_VIEW;
  /** The views of the memory last bound, kept across bind(undefined) (end()). */
  private last: { buf: ArrayBuffer; u8: Uint8Array; dv: DataView } | undefined;

  constructor(readonly config: Preview1Config) {
    this.args = config.args;
    this.env = EnvList.of(config.env);
    this.stdout = this.newStdout();
    this.stderr = new ByteSink(config.stderrLimit);
  }

  /** Every preview1 function, bound to this host. Instances link only what their module
   *  imports (`linkPreview1`), which is usually a handful. */
  get imports(): Preview1Imports {
    return (this.allImports ??= importsFor({ host: this }, PREVIEW1_FUNCTIONS));
  }

  /** The guest's memory, once instantiated; undefined once the instance is released (every
   *  pointer is then out of bounds). */
  bind(memory: WebAssembly.Memory | undefined): void {
    this.memory = memory;
    this.buf = undefined;
  }

  /** Start an invocation: its stdin, its environment, fresh stdio sinks. */
  begin(stdin: Uint8Array, env: Record<string, string> | EnvList): void {
    this.stdin = stdin;
    this.stdinOffset = 0;
    this.env = env instanceof EnvList ? env : EnvList.of(env);
    this.envSize = undefined;
    this.closedFds = 0;
    // The constructor's sinks (or the last invocation's), emptied: what the last invocation's
    // sinks returned stays valid (ByteSink.reset).
    this.stdout.reset();
    this.stderr.reset();
    this.responseOverflowed = false;
  }

  /**
   * The instance will not run again: drop what this invocation held. V8 keeps every instance
   * made on a pooled memory in that memory's instance list, and a scavenge treats the list as
   * strong: whatever the instance's imports reach (this host) is copied and promoted with it.
   * Dropping the request's environment, stdin and output here keeps that to a few objects
   * (docs/bench.md, 5b).
   */
  end(): void {
    this.bind(undefined);
    this.stdin = EMPTY;
    this.env = NO_ENV;
    this.envSize = undefined;
    // Emptied (what they returned stays valid): a recycled instance's host runs again.
    this.stdout.reset();
    this.stderr.reset();
  }

  private newStdout(): ByteSink {
    return new ByteSink(this.config.stdoutLimit, this.config.stdoutIsResponse === false ? undefined : () => (this.responseOverflowed = true));
  }

  // --- guest memory ------------------------------------------------------------------------

  /** Refreshes the views after memory.grow (which detaches the old buffer). */
  private view(): void {
    const b = this.memory?.buffer;
    if (b === this.buf) return;
    this.buf = b;
    if (!b) {
      this.u8 = EMPTY;
      this.dv = EMPTY_VIEW;
    } else if (b === this.last?.buf) {
      // A recycled instance's host is bound to the same memory again for each invocation.
      ({ u8: this.u8, dv: this.dv } = this.last);
    } else {
      this.u8 = new Uint8Array(b);
      this.dv = new DataView(b);
      this.last = { buf: b, u8: this.u8, dv: this.dv };
    }
  }

  /** [ptr, ptr + len) lies inside the guest's memory. Call view() first. */
  private ok(ptr: number, len: number): boolean {
    return ptr >= 0 && len >= 0 && ptr + len <= this.u8.length;
  }

  // --- the calls ---------------------------------------------------------------------------

  /** args_sizes_get / environ_sizes_get: a list's count and byte size. */
  private putSizes(count: number, size: number, countPtr: number, sizePtr: number): number {
    this.view();
    countPtr >>>= 0;
    sizePtr >>>= 0;
    if (!this.ok(countPtr, 4) || !this.ok(sizePtr, 4)) return Errno.FAULT;
    this.dv.setUint32(countPtr, count, true);
    this.dv.setUint32(sizePtr, size, true);
    return Errno.SUCCESS;
  }

  private listGet(list: StringList, ptrsPtr: number, bufPtr: number): number {
    this.view();
    ptrsPtr >>>= 0;
    bufPtr >>>= 0;
    const n = list.count;
    if (!this.ok(ptrsPtr, n * 4) || !this.ok(bufPtr, list.size)) return Errno.FAULT;
    const { dv } = this;
    for (let i = 0; i < n; i++) dv.setUint32(ptrsPtr + i * 4, bufPtr + list.offsets[i]!, true);
    if (list.size > 0) enc.encodeInto(list.joined, this.u8.subarray(bufPtr, bufPtr + list.size));
    return Errno.SUCCESS;
  }

  private get argStrings(): StringList {
    return (this.argList ??= stringList(this.args));
  }
  /** The environment's [count, UTF-8 size of every `k=v` and its NUL]. */
  private get envMeasure(): [number, number] {
    return (this.envSize ??= [this.env.count, this.env.size()]);
  }

  args_sizes_get(countPtr: number, sizePtr: number): number {
    const list = this.argStrings;
    return this.putSizes(list.count, list.size, countPtr, sizePtr);
  }
  args_get(ptrsPtr: number, bufPtr: number): number {
    return this.listGet(this.argStrings, ptrsPtr, bufPtr);
  }
  environ_sizes_get(countPtr: number, sizePtr: number): number {
    const [count, size] = this.envMeasure;
    return this.putSizes(count, size, countPtr, sizePtr);
  }

  /** Encoded straight into the guest's memory: the fixed block copied, the request's variables
   *  encoded (an environment of ~20 strings joined into one cost ~2.5 KB of garbage per
   *  invocation, docs/bench.md). */
  environ_get(ptrsPtr: number, bufPtr: number): number {
    this.view();
    ptrsPtr >>>= 0;
    bufPtr >>>= 0;
    const [count, size] = this.envMeasure;
    if (!this.ok(ptrsPtr, count * 4) || !this.ok(bufPtr, size)) return Errno.FAULT;
    this.env.write(this.u8, this.dv, ptrsPtr, bufPtr);
    return Errno.SUCCESS;
  }

  /** The sink behind fd 1 / 2, undefined for any other (or a closed) fd. */
  private sinkOf(fd: number): ByteSink | undefined {
    if (fd === 1 && !(this.closedFds & 2)) return this.stdout;
    if (fd === 2 && !(this.closedFds & 4)) return this.stderr;
    return undefined;
  }

  /** 0, 1, 2 while open. */
  private isStdio(fd: number): boolean {
    return fd >= 0 && fd <= 2 && !(this.closedFds & (1 << fd));
  }

  /** Checks an iovec array and every buffer it points to; returns the total length or -1. */
  private iovecs(iovs: number, count: number): number {
    if (!this.ok(iovs, count * 8)) return -1;
    const { dv } = this;
    let total = 0;
    for (let i = 0; i < count; i++) {
      const p = dv.getUint32(iovs + i * 8, true);
      const len = dv.getUint32(iovs + i * 8 + 4, true);
      if (!this.ok(p, len)) return -1;
      total += len;
    }
    return total;
  }

  fd_write(fd: number, iovs: number, count: number, nwrittenPtr: number): number {
    const sink = this.sinkOf(fd);
    if (!sink) return Errno.BADF;
    this.view();
    iovs >>>= 0;
    count >>>= 0;
    nwrittenPtr >>>= 0;
    if (!this.ok(nwrittenPtr, 4)) return Errno.FAULT;
    const total = this.iovecs(iovs, count);
    if (total < 0) return Errno.FAULT;
    const { dv, u8 } = this;
    for (let i = 0; i < count; i++) {
      const p = dv.getUint32(iovs + i * 8, true);
      const len = dv.getUint32(iovs + i * 8 + 4, true);
      // Over the cap: the sink keeps what fits and records the overflow; the guest sees EIO,
      // as through the component adapter (its stream fails with last-operation-failed).
      if (len > 0 && !sink.write(u8, p, p + len)) return Errno.IO;
    }
    dv.setUint32(nwrittenPtr, total, true);
    return Errno.SUCCESS;
  }

  fd_read(fd: number, iovs: number, count: number, nreadPtr: number): number {
    if (fd !== 0 || this.closedFds & 1) return Errno.BADF;
    this.view();
    iovs >>>= 0;
    count >>>= 0;
    nreadPtr >>>= 0;
    if (!this.ok(nreadPtr, 4) || this.iovecs(iovs, count) < 0) return Errno.FAULT;
    const { dv, u8, stdin } = this;
    let n = 0;
    for (let i = 0; i < count && this.stdinOffset < stdin.length; i++) {
      const p = dv.getUint32(iovs + i * 8, true);
      const len = dv.getUint32(iovs + i * 8 + 4, true);
      const take = Math.min(len, stdin.length - this.stdinOffset);
      u8.set(stdin.subarray(this.stdinOffset, this.stdinOffset + take), p);
      this.stdinOffset += take;
      n += take;
    }
    dv.setUint32(nreadPtr, n, true);
    return Errno.SUCCESS;
  }

  fd_fdstat_get(fd: number, ptr: number): number {
    if (!this.isStdio(fd)) return Errno.BADF;
    this.view();
    ptr >>>= 0;
    if (!this.ok(ptr, 24)) return Errno.FAULT;
    const dv = this.dv;
    // Not a terminal (so libc buffers fully), like the adapter's stdio without a terminal.
    dv.setUint8(ptr, Filetype.UNKNOWN);
    dv.setUint8(ptr + 1, 0);
    dv.setUint16(ptr + 2, 0, true);
    dv.setUint32(ptr + 4, 0, true);
    const rights = fd === 0 ? Rights.FD_READ : Rights.FD_WRITE;
    dv.setBigUint64(ptr + 8, rights, true);
    dv.setBigUint64(ptr + 16, rights, true);
    return Errno.SUCCESS;
  }

  fd_filestat_get(fd: number, ptr: number): number {
    if (!this.isStdio(fd)) return Errno.BADF;
    this.view();
    ptr >>>= 0;
    if (!this.ok(ptr, 64)) return Errno.FAULT;
    this.u8.fill(0, ptr, ptr + 64);
    this.dv.setUint8(ptr + 16, Filetype.UNKNOWN);
    return Errno.SUCCESS;
  }

  fd_close(fd: number): number {
    if (!this.isStdio(fd)) return Errno.BADF;
    this.closedFds |= 1 << fd;
    return Errno.SUCCESS;
  }

  clock_res_get(id: number, ptr: number): number {
    if (id !== Clock.REALTIME && id !== Clock.MONOTONIC) return Errno.INVAL;
    this.view();
    ptr >>>= 0;
    if (!this.ok(ptr, 8)) return Errno.FAULT;
    this.dv.setBigUint64(ptr, id === Clock.REALTIME ? 1_000_000n : 1n, true);
    return Errno.SUCCESS;
  }

  clock_time_get(id: number, _precision: bigint, ptr: number): number {
    if (id !== Clock.REALTIME && id !== Clock.MONOTONIC) return Errno.INVAL;
    this.view();
    ptr >>>= 0;
    if (!this.ok(ptr, 8)) return Errno.FAULT;
    this.dv.setBigUint64(ptr, id === Clock.REALTIME ? realtimeNs() : monotonicNs(), true);
    return Errno.SUCCESS;
  }

  random_get(ptr: number, len: number): number {
    this.view();
    ptr >>>= 0;
    len >>>= 0;
    if (!this.ok(ptr, len)) return Errno.FAULT;
    if (len > 0) randomFillSync(this.u8, ptr, len);
    return Errno.SUCCESS;
  }

  /**
   * Subscriptions (48 bytes: userdata u64, tag u8, then at 16 either clock {id u32, timeout u64,
   * precision u64, flags u16} or fd_readwrite {fd u32}) -> events (32 bytes: userdata u64,
   * error u16, type u8, nbytes u64 at 16, flags u16 at 24). Stdio is always ready (buffered);
   * with nothing ready, the thread sleeps until the earliest clock (the wall-clock limit bounds it).
   */
  poll_oneoff(inPtr: number, outPtr: number, nsubs: number, neventsPtr: number): number {
    this.view();
    inPtr >>>= 0;
    outPtr >>>= 0;
    nsubs >>>= 0;
    neventsPtr >>>= 0;
    if (nsubs === 0) return Errno.INVAL;
    if (!this.ok(inPtr, nsubs * 48) || !this.ok(outPtr, nsubs * 32) || !this.ok(neventsPtr, 4)) return Errno.FAULT;
    const dv = this.dv;
    const now = monotonicNs();
    // Deadlines on the monotonic clock; undefined: not a clock subscription.
    const deadlines: (bigint | undefined)[] = new Array(nsubs);
    const immediate: { i: number; error: number; type: number; nbytes: bigint }[] = [];
    for (let i = 0; i < nsubs; i++) {
      const s = inPtr + i * 48;
      const tag = dv.getUint8(s + 8);
      if (tag === EventType.CLOCK) {
        const id = dv.getUint32(s + 16, true);
        const timeout = dv.getBigUint64(s + 24, true);
        const abs = (dv.getUint16(s + 40, true) & SUBSCRIPTION_CLOCK_ABSTIME) !== 0;
        if (id === Clock.MONOTONIC) deadlines[i] = abs ? timeout : now + timeout;
        else if (id === Clock.REALTIME) deadlines[i] = abs ? now + (timeout - realtimeNs()) : now + timeout;
        else immediate.push({ i, error: Errno.INVAL, type: EventType.CLOCK, nbytes: 0n });
      } else if (tag === EventType.FD_READ || tag === EventType.FD_WRITE) {
        const fd = dv.getUint32(s + 16, true);
        const readable = tag === EventType.FD_READ && fd === 0 && !(this.closedFds & 1);
        const sink = tag === EventType.FD_WRITE ? this.sinkOf(fd) : undefined;
        if (readable) immediate.push({ i, error: 0, type: tag, nbytes: BigInt(this.stdin.length - this.stdinOffset) });
        else if (sink) immediate.push({ i, error: 0, type: tag, nbytes: BigInt(Math.max(0, sink.limit - sink.length)) });
        else immediate.push({ i, error: Errno.BADF, type: tag, nbytes: 0n });
      } else {
        immediate.push({ i, error: Errno.INVAL, type: tag, nbytes: 0n });
      }
    }
    let fired: number[] = [];
    const expired = (t: bigint) => {
      fired = [];
      for (let i = 0; i < nsubs; i++) if (deadlines[i] !== undefined && deadlines[i]! <= t) fired.push(i);
    };
    expired(now);
    if (immediate.length === 0) {
      while (fired.length === 0) {
        let earliest: bigint | undefined;
        for (const d of deadlines) if (d !== undefined && (earliest === undefined || d < earliest)) earliest = d;
        if (earliest === undefined) return Errno.INVAL;
        const t = monotonicNs();
        if (earliest > t) {
          if (this.config.onWouldBlock?.()) return Errno.NOSYS;
          sleepMs(Number(earliest - t) / 1e6);
        }
        expired(monotonicNs());
      }
    }
    let n = 0;
    // Read every userdata before writing any event: the guest may overlap in and out.
    const userdata = Array.from({ length: nsubs }, (_, i) => dv.getBigUint64(inPtr + i * 48, true));
    const write = (i: number, error: number, type: number, nbytes: bigint) => {
      const e = outPtr + n++ * 32;
      this.u8.fill(0, e, e + 32);
      this.dv.setBigUint64(e, userdata[i]!, true);
      this.dv.setUint16(e + 8, error, true);
      this.dv.setUint8(e + 10, type);
      this.dv.setBigUint64(e + 16, nbytes, true);
    };
    for (const ev of immediate) write(ev.i, ev.error, ev.type, ev.nbytes);
    for (const i of fired) write(i, 0, EventType.CLOCK, 0n);
    this.dv.setUint32(neventsPtr, n, true);
    return Errno.SUCCESS;
  }

  proc_exit(code: number): never {
    throw new GuestExit(code >>> 0);
  }
}

const stdio = (fd: number) => fd >= 0 && fd <= 2;
// On an fd that is not stdio there is nothing (EBADF: no preopens, no opened files); on
// stdio the operation is refused with the errno POSIX gives for a pipe.
const onFd = (stdioErrno: number) => (fd: number) => (stdio(fd) ? stdioErrno : Errno.BADF);
const constant = (f: Fn) => () => f;

/** Whom linked functions call: one host, or whichever host an instance of a shared link
 *  runs on now (engine/preview1-instance.ts). */
export interface HostRef {
  readonly host: Preview1Host;
}

/** Per function: what a host links for it. The real calls read the host from the ref at call
 *  time; the deny-by-default stubs hold no state and are shared by every instance. */
const IMPORTS: Record<string, (r: HostRef) => Fn> = {
  args_get: (r) => (a: number, b: number) => r.host.args_get(a, b),
  args_sizes_get: (r) => (a: number, b: number) => r.host.args_sizes_get(a, b),
  environ_get: (r) => (a: number, b: number) => r.host.environ_get(a, b),
  environ_sizes_get: (r) => (a: number, b: number) => r.host.environ_sizes_get(a, b),
  clock_res_get: (r) => (id: number, p: number) => r.host.clock_res_get(id, p),
  clock_time_get: (r) => (id: number, prec: bigint, p: number) => r.host.clock_time_get(id, prec, p),
  fd_advise: constant(onFd(Errno.SPIPE)),
  fd_allocate: constant(onFd(Errno.SPIPE)),
  fd_close: (r) => (fd: number) => r.host.fd_close(fd),
  fd_datasync: constant(onFd(Errno.INVAL)),
  fd_fdstat_get: (r) => (fd: number, p: number) => r.host.fd_fdstat_get(fd, p),
  // Accept "no flags" (what a guest reading back its flags writes), refuse the rest.
  fd_fdstat_set_flags: constant((fd: number, flags: number) => (stdio(fd) ? ((flags & 0xffff) === 0 ? Errno.SUCCESS : Errno.NOTSUP) : Errno.BADF)),
  fd_fdstat_set_rights: constant(onFd(Errno.NOTCAPABLE)),
  fd_filestat_get: (r) => (fd: number, p: number) => r.host.fd_filestat_get(fd, p),
  fd_filestat_set_size: constant(onFd(Errno.INVAL)),
  fd_filestat_set_times: constant(onFd(Errno.NOTCAPABLE)),
  fd_pread: constant(onFd(Errno.SPIPE)),
  fd_prestat_get: constant(() => Errno.BADF),
  fd_prestat_dir_name: constant(() => Errno.BADF),
  fd_pwrite: constant(onFd(Errno.SPIPE)),
  fd_read: (r) => (fd: number, iovs: number, n: number, p: number) => r.host.fd_read(fd, iovs, n, p),
  fd_readdir: constant(onFd(Errno.NOTDIR)),
  fd_renumber: constant((from: number, to: number) => (stdio(from) && stdio(to) ? Errno.NOTSUP : Errno.BADF)),
  fd_seek: constant(onFd(Errno.SPIPE)),
  fd_sync: constant(onFd(Errno.INVAL)),
  fd_tell: constant(onFd(Errno.SPIPE)),
  fd_write: (r) => (fd: number, iovs: number, n: number, p: number) => r.host.fd_write(fd, iovs, n, p),
  // No preopened directories: every path is relative to an fd that is no directory.
  path_create_directory: constant(onFd(Errno.NOTDIR)),
  path_filestat_get: constant(onFd(Errno.NOTDIR)),
  path_filestat_set_times: constant(onFd(Errno.NOTDIR)),
  path_link: constant(onFd(Errno.NOTDIR)),
  path_open: constant(onFd(Errno.NOTDIR)),
  path_readlink: constant(onFd(Errno.NOTDIR)),
  path_remove_directory: constant(onFd(Errno.NOTDIR)),
  path_rename: constant(onFd(Errno.NOTDIR)),
  path_symlink: constant((_old: number, _oldLen: number, fd: number) => (stdio(fd) ? Errno.NOTDIR : Errno.BADF)),
  path_unlink_file: constant(onFd(Errno.NOTDIR)),
  poll_oneoff: (r) => (i: number, o: number, n: number, p: number) => r.host.poll_oneoff(i, o, n, p),
  proc_exit: (r) => (code: number) => r.host.proc_exit(code),
  proc_raise: constant(() => Errno.NOSYS),
  sched_yield: constant(() => Errno.SUCCESS),
  random_get: (r) => (p: number, n: number) => r.host.random_get(p, n),
  sock_accept: constant(onFd(Errno.NOTSOCK)),
  sock_recv: constant(onFd(Errno.NOTSOCK)),
  sock_send: constant(onFd(Errno.NOTSOCK)),
  sock_shutdown: constant(onFd(Errno.NOTSOCK)),
};

/** What links `name` (a preview1 function, or a `name [vN]` alias of one) to a host. */
export function importFactory(name: string): ((r: HostRef) => Fn) | undefined {
  return IMPORTS[baseName(name)];
}

function importsFor(r: HostRef, names: readonly string[]): Preview1Imports {
  const ns: Preview1Imports = {};
  for (const name of names) ns[name] = importFactory(name)!(r);
  return ns;
}
