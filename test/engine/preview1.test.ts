// The preview1 fast path: Wisp's own WASI preview1 host (runtime/wasi/preview1) driven call by
// call against a real WebAssembly.Memory, a hand-written module, and the engine serving the C
// fixtures identically through the fast path and the component path (adapter + jco glue).
import binaryen from 'binaryen';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from '../../compiler/build.js';
import { Engine } from '../../runtime/engine/engine.js';
import { compileArtifact, loadArtifact } from '../../runtime/engine/loader.js';
import { createInstance } from '../../runtime/engine/instance.js';
import { releaseInstance } from '../../runtime/engine/preview1-instance.js';
import { runInvocation } from '../../runtime/engine/run.js';
import { newRun } from '../../runtime/engine/speculation.js';
import type { FunctionSpec, InvokeRequest, InvokeResult } from '../../runtime/engine/types.js';
import { DEFAULTS } from '../../runtime/functions/defaults.js';
import { GuestExit } from '../../runtime/wasi/errors.js';
import { Errno, importAliases, isPreview1Command, PREVIEW1_FUNCTIONS, Preview1Host } from '../../runtime/wasi/preview1/index.js';
import { DATA_DIR, FIXTURES, ROOT } from '../helpers/paths.js';
import { invokeRequest } from '../helpers/request.js';

const dec = new TextDecoder();
const enc = new TextEncoder();
const PAGE = 65536;

/** A host bound to a fresh one-page memory, with helpers to lay out and read guest data. */
function setup(opts: { env?: Record<string, string>; args?: string[]; stdoutLimit?: number; stderrLimit?: number } = {}) {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 4 });
  const host = new Preview1Host({
    args: opts.args ?? ['fn'],
    env: opts.env ?? {},
    stdoutLimit: opts.stdoutLimit ?? 1024,
    stderrLimit: opts.stderrLimit ?? 1024,
    stdoutIsResponse: true,
  });
  host.bind(memory);
  const w = host.imports as unknown as Record<string, (...a: (number | bigint)[]) => number>;
  const dv = () => new DataView(memory.buffer);
  const u8 = () => new Uint8Array(memory.buffer);
  const put = (at: number, bytes: Uint8Array) => u8().set(bytes, at);
  /** iovec array at `at` for buffers [ptr, len]. */
  const iovs = (at: number, list: [number, number][]) => list.forEach(([p, l], i) => (dv().setUint32(at + i * 8, p, true), dv().setUint32(at + i * 8 + 4, l, true)));
  const u32 = (at: number) => dv().getUint32(at, true);
  const str = (at: number, len: number) => dec.decode(u8().subarray(at, at + len));
  return { memory, host, w, dv, u8, put, iovs, u32, str };
}

/** Reads a NUL-separated list written by args_get / environ_get. */
function readList(t: ReturnType<typeof setup>, count: number, ptrs: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const p = t.u32(ptrs + i * 4);
    const end = t.u8().indexOf(0, p);
    out.push(t.str(p, end - p));
  }
  return out;
}

describe('preview1 host: args and environ', () => {
  it('gives argv = [name] and exactly the configured env, in order, UTF-8', () => {
    const t = setup({ args: ['hello-c'], env: { A: '1', EMPTY: '', 'UNI': 'é✓' } });
    t.host.begin(new Uint8Array(0), { A: '1', EMPTY: '', UNI: 'é✓' });
    expect(t.w.args_sizes_get!(0, 4)).toBe(Errno.SUCCESS);
    expect([t.u32(0), t.u32(4)]).toEqual([1, 8]);
    expect(t.w.args_get!(100, 200)).toBe(Errno.SUCCESS);
    expect(readList(t, 1, 100)).toEqual(['hello-c']);

    expect(t.w.environ_sizes_get!(0, 4)).toBe(Errno.SUCCESS);
    const [count, size] = [t.u32(0), t.u32(4)];
    expect(count).toBe(3);
    expect(size).toBe(enc.encode('A=1\0EMPTY=\0UNI=é✓\0').length);
    expect(t.w.environ_get!(100, 200)).toBe(Errno.SUCCESS);
    expect(readList(t, 3, 100)).toEqual(['A=1', 'EMPTY=', 'UNI=é✓']);
    // The empty value is followed by its own NUL, not by the next variable.
    expect(t.u8()[200 + 4 + 6]).toBe(0);
  });

  it('switches the environment per invocation (begin)', () => {
    const t = setup({ env: { OLD: 'x' } });
    t.host.begin(new Uint8Array(0), { NEW: 'y' });
    t.w.environ_sizes_get!(0, 4);
    t.w.environ_get!(100, 200);
    expect(readList(t, t.u32(0), 100)).toEqual(['NEW=y']);
  });

  it('answers EFAULT for pointers outside memory, writing nothing', () => {
    const t = setup({ env: { A: '1' } });
    t.host.begin(new Uint8Array(0), { A: '1' });
    expect(t.w.args_sizes_get!(PAGE - 2, 0)).toBe(Errno.FAULT);
    expect(t.w.args_sizes_get!(0, -1)).toBe(Errno.FAULT); // i32 -1 is 0xffffffff
    expect(t.w.environ_get!(PAGE - 2, 0)).toBe(Errno.FAULT);
    expect(t.w.environ_get!(0, PAGE - 3)).toBe(Errno.FAULT); // "A=1\0" needs 4 bytes
    expect(t.u8().every((b) => b === 0)).toBe(true);
  });
});

describe('preview1 host: stdio', () => {
  it('reads the request body from fd 0 across iovecs, then EOF', () => {
    const t = setup();
    t.host.begin(enc.encode('hello world'), {});
    t.iovs(0, [[100, 4], [200, 3]]);
    expect(t.w.fd_read!(0, 0, 2, 16)).toBe(Errno.SUCCESS);
    expect(t.u32(16)).toBe(7);
    expect(t.str(100, 4) + t.str(200, 3)).toBe('hello w');
    t.iovs(0, [[300, 100]]);
    expect(t.w.fd_read!(0, 0, 1, 16)).toBe(Errno.SUCCESS);
    expect([t.u32(16), t.str(300, 4)]).toEqual([4, 'orld']);
    expect(t.w.fd_read!(0, 0, 1, 16)).toBe(Errno.SUCCESS);
    expect(t.u32(16)).toBe(0);
    // Only fd 0 is readable.
    expect(t.w.fd_read!(1, 0, 1, 16)).toBe(Errno.BADF);
    expect(t.w.fd_read!(3, 0, 1, 16)).toBe(Errno.BADF);
  });

  it('writes fd 1 to the response sink and fd 2 to the log sink', () => {
    const t = setup();
    t.host.begin(new Uint8Array(0), {});
    t.put(100, enc.encode('Status: 200\r\n\r\nbody'));
    t.iovs(0, [[100, 15], [115, 4]]);
    expect(t.w.fd_write!(1, 0, 2, 16)).toBe(Errno.SUCCESS);
    expect(t.u32(16)).toBe(19);
    t.put(200, enc.encode('a log line\n'));
    t.iovs(0, [[200, 11]]);
    expect(t.w.fd_write!(2, 0, 1, 16)).toBe(Errno.SUCCESS);
    expect(dec.decode(t.host.stdout.bytes())).toBe('Status: 200\r\n\r\nbody');
    expect(dec.decode(t.host.stderr.bytes())).toBe('a log line\n');
    // The sinks hold copies: the guest may reuse its buffer.
    t.put(100, enc.encode('XXXXXX'));
    expect(dec.decode(t.host.stdout.bytes())).toBe('Status: 200\r\n\r\nbody');
    expect(t.w.fd_write!(0, 0, 1, 16)).toBe(Errno.BADF);
    expect(t.w.fd_write!(7, 0, 1, 16)).toBe(Errno.BADF);
  });

  it('caps stdout: keeps what fits, answers EIO, marks the response overflowed', () => {
    const t = setup({ stdoutLimit: 10, stderrLimit: 5 });
    t.host.begin(new Uint8Array(0), {});
    t.put(100, enc.encode('0123456789abcdef'));
    t.iovs(0, [[100, 8]]);
    expect(t.w.fd_write!(1, 0, 1, 16)).toBe(Errno.SUCCESS);
    expect(t.w.fd_write!(1, 0, 1, 16)).toBe(Errno.IO);
    expect(t.host.responseOverflowed).toBe(true);
    expect(t.host.stdout.overflowed).toBe(true);
    expect(dec.decode(t.host.stdout.bytes())).toBe('0123456701');
    // stderr over its cap truncates the log but is not a response overflow.
    const u = setup({ stderrLimit: 5 });
    u.host.begin(new Uint8Array(0), {});
    u.put(100, enc.encode('0123456789'));
    u.iovs(0, [[100, 10]]);
    expect(u.w.fd_write!(2, 0, 1, 16)).toBe(Errno.IO);
    expect(u.host.stderr.overflowed).toBe(true);
    expect(u.host.responseOverflowed).toBe(false);
    // A new invocation starts with empty sinks and no overflow.
    t.host.begin(new Uint8Array(0), {});
    expect([t.host.stdout.length, t.host.responseOverflowed]).toEqual([0, false]);
  });

  it('answers EFAULT for bad iovec arrays, buffers and result pointers, before writing anything', () => {
    const t = setup();
    t.host.begin(enc.encode('data'), {});
    t.iovs(0, [[100, 4], [PAGE - 2, 4]]); // second buffer runs off the end
    expect(t.w.fd_write!(1, 0, 2, 16)).toBe(Errno.FAULT);
    expect(t.host.stdout.length).toBe(0);
    expect(t.w.fd_read!(0, 0, 2, 16)).toBe(Errno.FAULT);
    t.iovs(0, [[100, 4]]);
    expect(t.w.fd_read!(0, 0, 1, 16)).toBe(Errno.SUCCESS); // nothing was consumed by the failed read
    expect(t.str(100, 4)).toBe('data');
    expect(t.w.fd_write!(1, PAGE - 4, 1, 16)).toBe(Errno.FAULT); // iovec array itself out of bounds
    expect(t.w.fd_write!(1, 0, 0x7fffffff, 16)).toBe(Errno.FAULT); // absurd count
    expect(t.w.fd_write!(1, 0, 1, PAGE)).toBe(Errno.FAULT); // nwritten out of bounds
    expect(t.w.fd_write!(1, -8, 1, 16)).toBe(Errno.FAULT); // negative i32 = above 2 GiB
    t.iovs(0, [[0xfffffff0, 0x20]]); // ptr + len wraps past 2^32
    expect(t.w.fd_write!(1, 0, 1, 16)).toBe(Errno.FAULT);
    expect(t.w.fd_fdstat_get!(1, PAGE - 8)).toBe(Errno.FAULT);
    expect(t.w.clock_time_get!(1, 0n, PAGE - 4)).toBe(Errno.FAULT);
    expect(t.w.random_get!(PAGE - 4, 8)).toBe(Errno.FAULT);
    expect(t.w.poll_oneoff!(PAGE - 10, 0, 1, 16)).toBe(Errno.FAULT);
    expect(t.host.stdout.length).toBe(0);
  });

  it('follows memory.grow (the old buffer is detached)', () => {
    const t = setup();
    t.host.begin(new Uint8Array(0), {});
    t.iovs(0, [[100, 1]]);
    t.put(100, enc.encode('a'));
    expect(t.w.fd_write!(1, 0, 1, 16)).toBe(Errno.SUCCESS);
    t.memory.grow(1);
    t.put(PAGE + 10, enc.encode('b'));
    t.iovs(0, [[PAGE + 10, 1]]);
    expect(t.w.fd_write!(1, 0, 1, PAGE + 100)).toBe(Errno.SUCCESS);
    expect(dec.decode(t.host.stdout.bytes())).toBe('ab');
  });

  it('describes stdio as non-terminal streams; closing one makes it EBADF', () => {
    const t = setup();
    t.host.begin(new Uint8Array(0), {});
    expect(t.w.fd_fdstat_get!(0, 0)).toBe(Errno.SUCCESS);
    expect(t.dv().getUint8(0)).toBe(0); // FILETYPE_UNKNOWN: not a tty
    expect(t.dv().getBigUint64(8, true)).toBe(2n); // fd_read
    expect(t.w.fd_fdstat_get!(1, 0)).toBe(Errno.SUCCESS);
    expect(t.dv().getBigUint64(8, true)).toBe(64n); // fd_write
    expect(t.w.fd_fdstat_get!(3, 0)).toBe(Errno.BADF);
    expect(t.w.fd_seek!(1, 0n, 0, 0)).toBe(Errno.SPIPE);
    expect(t.w.fd_seek!(5, 0n, 0, 0)).toBe(Errno.BADF);
    expect(t.w.fd_close!(9)).toBe(Errno.BADF);
    expect(t.w.fd_close!(1)).toBe(Errno.SUCCESS);
    expect(t.w.fd_write!(1, 0, 0, 16)).toBe(Errno.BADF);
    expect(t.w.fd_close!(1)).toBe(Errno.BADF);
    t.host.begin(new Uint8Array(0), {});
    expect(t.w.fd_write!(1, 0, 0, 16)).toBe(Errno.SUCCESS);
  });
});

describe('preview1 host: deny by default', () => {
  it('has no preopens, opens no path, no socket', () => {
    const t = setup();
    t.host.begin(new Uint8Array(0), {});
    t.put(100, enc.encode('/etc/passwd'));
    for (let fd = 3; fd < 8; fd++) expect(t.w.fd_prestat_get!(fd, 0)).toBe(Errno.BADF);
    for (const fd of [0, 1, 2, 3, 4, -1]) {
      const r = t.w.path_open!(fd, 0, 100, 11, 0, 0n, 0n, 0, 200);
      expect(r).not.toBe(Errno.SUCCESS);
      expect([Errno.BADF, Errno.NOTDIR]).toContain(r);
    }
    expect(t.u32(200)).toBe(0); // no fd handed out
    for (const name of PREVIEW1_FUNCTIONS.filter((n) => n.startsWith('path_') || n.startsWith('sock_'))) {
      expect(t.w[name]!(3, 100, 11, 3, 100, 11, 0, 0, 200), name).not.toBe(Errno.SUCCESS);
    }
    expect(t.w.proc_raise!(9)).toBe(Errno.NOSYS);
    expect(t.w.sched_yield!()).toBe(Errno.SUCCESS);
  });

  it('implements every preview1 function', () => {
    const t = setup();
    expect(Object.keys(t.host.imports).sort()).toEqual([...PREVIEW1_FUNCTIONS].sort());
  });

  it('proc_exit throws GuestExit with the status', () => {
    const t = setup();
    expect(() => t.w.proc_exit!(3)).toThrow(GuestExit);
    try {
      t.w.proc_exit!(0);
    } catch (e) {
      expect((e as GuestExit).code).toBe(0);
    }
  });
});

describe('preview1 host: clocks, random, poll', () => {
  it('reads realtime and monotonic clocks; refuses the CPU-time clocks', () => {
    const t = setup();
    expect(t.w.clock_time_get!(0, 0n, 8)).toBe(Errno.SUCCESS);
    const wall = Number(t.dv().getBigUint64(8, true) / 1_000_000n);
    expect(Math.abs(wall - Date.now())).toBeLessThan(1000);
    expect(t.w.clock_time_get!(1, 0n, 8)).toBe(Errno.SUCCESS);
    const a = t.dv().getBigUint64(8, true);
    t.w.clock_time_get!(1, 0n, 8);
    expect(t.dv().getBigUint64(8, true)).toBeGreaterThanOrEqual(a);
    expect(t.w.clock_res_get!(1, 8)).toBe(Errno.SUCCESS);
    expect(t.w.clock_time_get!(2, 0n, 8)).toBe(Errno.INVAL);
  });

  it('fills random bytes', () => {
    const t = setup();
    expect(t.w.random_get!(100, 64)).toBe(Errno.SUCCESS);
    expect(t.u8().subarray(100, 164).some((b) => b !== 0)).toBe(true);
    expect(t.w.random_get!(0, 0)).toBe(Errno.SUCCESS);
  });

  /** A subscription at `at`: clock (relative ns) or fd_read/fd_write on fd. */
  function sub(t: ReturnType<typeof setup>, at: number, userdata: bigint, tag: number, arg: bigint | number) {
    const dv = t.dv();
    dv.setBigUint64(at, userdata, true);
    dv.setUint8(at + 8, tag);
    if (tag === 0) {
      dv.setUint32(at + 16, 1, true); // monotonic
      dv.setBigUint64(at + 24, arg as bigint, true);
      dv.setUint16(at + 40, 0, true);
    } else {
      dv.setUint32(at + 16, arg as number, true);
    }
  }

  it('sleeps for a clock subscription (the thread blocks, like io.ts)', () => {
    const t = setup();
    sub(t, 0, 42n, 0, 20_000_000n);
    const t0 = performance.now();
    expect(t.w.poll_oneoff!(0, 1000, 1, 2000)).toBe(Errno.SUCCESS);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(19);
    expect(t.u32(2000)).toBe(1);
    expect(t.dv().getBigUint64(1000, true)).toBe(42n);
    expect(t.dv().getUint16(1008, true)).toBe(0);
  });

  it('answers stdio subscriptions at once, and EBADF for other fds', () => {
    const t = setup();
    t.host.begin(enc.encode('abc'), {});
    sub(t, 0, 1n, 0, 10_000_000_000n); // 10 s: must not wait for it
    sub(t, 48, 2n, 1, 0);
    sub(t, 96, 3n, 1, 9);
    const t0 = performance.now();
    expect(t.w.poll_oneoff!(0, 1000, 3, 2000)).toBe(Errno.SUCCESS);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(t.u32(2000)).toBe(2);
    expect(t.dv().getBigUint64(1000, true)).toBe(2n);
    expect(t.dv().getBigUint64(1016, true)).toBe(3n); // bytes available on stdin
    expect(t.dv().getBigUint64(1032, true)).toBe(3n);
    expect(t.dv().getUint16(1040, true)).toBe(Errno.BADF);
    expect(t.w.poll_oneoff!(0, 1000, 0, 2000)).toBe(Errno.INVAL);
  });
});

describe('preview1 module detection and a hand-written guest', () => {
  let mod: WebAssembly.Module;
  beforeAll(() => {
    // Tries path_open on stdin's fd and on fd 3, writes both errnos to stdout as "a,b",
    // then exits with the errno of the fd 3 attempt.
    const wat = `(module
      (import "wasi_snapshot_preview1" "path_open" (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
      (memory (export "memory") 1)
      (data (i32.const 100) "/etc/passwd")
      (func (export "_start") (local $a i32) (local $b i32)
        (local.set $a (call $open (i32.const 0) (i32.const 0) (i32.const 100) (i32.const 11) (i32.const 0) (i64.const -1) (i64.const -1) (i32.const 0) (i32.const 200)))
        (local.set $b (call $open (i32.const 3) (i32.const 0) (i32.const 100) (i32.const 11) (i32.const 0) (i64.const -1) (i64.const -1) (i32.const 0) (i32.const 200)))
        (i32.store8 (i32.const 300) (i32.add (i32.const 48) (i32.rem_u (local.get $a) (i32.const 10))))
        (i32.store8 (i32.const 301) (i32.const 44))
        (i32.store8 (i32.const 302) (i32.add (i32.const 48) (i32.rem_u (local.get $b) (i32.const 10))))
        (i32.store (i32.const 0) (i32.const 300))
        (i32.store (i32.const 4) (i32.const 3))
        (drop (call $write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
        (call $exit (local.get $b))))`;
    const m = binaryen.parseText(wat);
    mod = new WebAssembly.Module(m.emitBinary() as Uint8Array<ArrayBuffer>);
    m.dispose();
  });

  it('recognises plain preview1 commands only', () => {
    expect(isPreview1Command(mod)).toBe(true);
    const other = binaryen.parseText(`(module (import "env" "f" (func)) (memory (export "memory") 1) (func (export "_start")))`);
    expect(isPreview1Command(new WebAssembly.Module(other.emitBinary() as Uint8Array<ArrayBuffer>))).toBe(false);
    other.dispose();
  });

  it('accepts the renamed duplicate imports wit-component leaves in Go modules (fd_write [v2])', () => {
    const m = binaryen.parseText(`(module
      (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "fd_write [v2]" (func (param i32 i32 i32 i32) (result i32)))
      (memory (export "memory") 1) (func (export "_start")))`);
    const go = new WebAssembly.Module(m.emitBinary() as Uint8Array<ArrayBuffer>);
    m.dispose();
    expect(isPreview1Command(go)).toBe(true);
    expect(importAliases(go)).toEqual([['fd_write [v2]', 'fd_write']]);
  });

  it('runs it: path_open is refused (ENOTDIR on stdin, EBADF on fd 3), exit status reaches the host', () => {
    const host = new Preview1Host({ args: ['x'], env: {}, stdoutLimit: 100, stderrLimit: 100 });
    const inst = new WebAssembly.Instance(mod, { wasi_snapshot_preview1: host.imports });
    host.bind(inst.exports.memory as WebAssembly.Memory);
    host.begin(new Uint8Array(0), {});
    let code = -1;
    try {
      (inst.exports._start as () => void)();
    } catch (e) {
      code = (e as GuestExit).code;
    }
    expect(code).toBe(Errno.BADF);
    expect(dec.decode(host.stdout.bytes())).toBe(`${Errno.NOTDIR % 10},${Errno.BADF % 10}`);
  });
});

// --- engine level: the fast path serves exactly what the component path serves ------------------

function request(query: string, body = '', headers: [string, string][] = []): InvokeRequest {
  return invokeRequest(query, {
    method: body ? 'POST' : 'GET',
    path: '/some/path',
    headers: [['host', '127.0.0.1:8080'], ...headers],
    body: enc.encode(body),
    authority: '127.0.0.1:8080',
  });
}

/** What a client could observe of an invocation. */
function observable(r: InvokeResult) {
  return {
    tier: r.tier,
    status: r.response?.status,
    headers: r.response?.headers,
    body: r.response ? dec.decode(r.response.body) : undefined,
    error: r.error,
    logs: r.logs,
    logsTruncated: r.logsTruncated,
  };
}

describe('engine: preview1 fast path vs component path', () => {
  const dirs: Record<string, string> = {};
  const engines: Record<string, Engine> = {};
  const spec = (name: string, over: Partial<FunctionSpec> = {}): FunctionSpec => ({
    name,
    version: '$LATEST',
    artifactDir: dirs[name]!,
    env: { GREETING: 'Hi' },
    ...DEFAULTS,
    ...over,
  });

  beforeAll(async () => {
    // Cached by the global setup (same sources, same data dir).
    for (const [name, src] of [
      ['hello-c', join(ROOT, 'examples', 'hello-c')],
      ['echo-c', join(FIXTURES, 'echo-c')],
      ['crash-c', join(FIXTURES, 'crash-c')],
      ['probe-c', join(FIXTURES, 'probe-c')],
    ] as const) {
      const b = await build(src, { cacheDir: DATA_DIR });
      expect(b.meta.preview1, name).toBe(true);
      dirs[name] = b.dir;
    }
    engines.fastInline = new Engine({ isolation: 'inline', preview1: true });
    engines.compInline = new Engine({ isolation: 'inline', preview1: false });
    engines.fastWorker = new Engine({ isolation: 'worker', preview1: true, minWorkers: 1, maxWorkers: 2 });
    engines.compWorker = new Engine({ isolation: 'worker', preview1: false, minWorkers: 1, maxWorkers: 2 });
  });
  afterAll(async () => {
    await Promise.all(Object.values(engines).map((e) => e.close()));
  });

  it('loads the preview1 module only where asked (the component path stays the fallback)', async () => {
    expect((await loadArtifact(dirs['hello-c']!)).mode).toBe('preview1');
    expect((await loadArtifact(dirs['hello-c']!, { preview1: false })).mode).toBe('component');
    const js = await build(join(ROOT, 'examples', 'hello-js'), { cacheDir: DATA_DIR });
    expect(js.meta.preview1).toBe(false);
    expect((await loadArtifact(js.dir)).mode).toBe('component');
  });

  const cases: [string, InvokeRequest][] = [
    ['hello-c', request('name=Xavier')],
    ['hello-c', request('')],
    ['echo-c', request('status=201', 'binary\u0000safe body ✓', [['content-type', 'application/x-test'], ['x-test', 'yes']])],
    ['echo-c', request('status=418')],
    ['crash-c', request('')],
    ['crash-c', request('trap')],
    ['crash-c', request('garbage')],
    ['crash-c', request('logme')],
    ['probe-c', request('', '', [['proxy', 'http://evil']])],
  ];

  it.each(cases)('%s %# answers identically inline', async (name, req) => {
    const a = observable(await engines.compInline!.invoke(spec(name), req));
    const b = observable(await engines.fastInline!.invoke(spec(name), req));
    expect(b).toEqual({ ...a, tier: b.tier });
  });

  it.each(cases)('%s %# answers identically in workers', async (name, req) => {
    const a = observable(await engines.compWorker!.invoke(spec(name), req));
    const b = observable(await engines.fastWorker!.invoke(spec(name), req));
    expect(b).toEqual({ ...a, tier: b.tier });
  });

  it.each([
    ['echo-go', join(ROOT, 'examples', 'echo-go')],
    ['echo-rust', join(ROOT, 'examples', 'echo-rust')],
  ])('%s (Go with its renamed fd_write import; Rust) answers identically, also with a 3 MiB body', async (name, src) => {
    const b = await build(src, { cacheDir: DATA_DIR });
    expect(b.meta.preview1).toBe(true);
    const s: FunctionSpec = { name, version: '$LATEST', artifactDir: b.dir, env: {}, ...DEFAULTS };
    for (const req of [request('a=1', '{"x":[1,2]}', [['content-type', 'application/json']]), request('', 'y'.repeat(3 << 20))]) {
      const a = observable(await engines.compInline!.invoke(s, req));
      const f = observable(await engines.fastInline!.invoke(s, req));
      expect(f.status).toBe(200);
      expect(f).toEqual({ ...a, tier: f.tier });
    }
  }, 300_000);

  it('reports exit(n) as GuestExit (with the real status: the adapter reports every non-zero one as 1)', async () => {
    const a = await engines.compInline!.invoke(spec('crash-c'), request('exit=3'));
    const b = await engines.fastInline!.invoke(spec('crash-c'), request('exit=3'));
    expect(a.error?.code).toBe('GuestExit');
    expect(b.error).toEqual({ status: 502, code: 'GuestExit', message: 'the function exited with status 3' });
  });

  it('keeps the tiers: cold, then warm, pre-warmed from a pool', async () => {
    const e = new Engine({ isolation: 'inline', preview1: true });
    try {
      expect((await e.invoke(spec('hello-c'), request(''))).tier).toBe('cold');
      const warm = await e.invoke(spec('hello-c'), request('name=W'));
      expect([warm.tier, dec.decode(warm.response!.body)]).toEqual(['warm', 'Hello, W\n']);
      const pooled = spec('hello-c', { prewarm: 1 });
      await e.prepare(pooled);
      const pre = await e.invoke(pooled, request('name=P'));
      expect([pre.tier, dec.decode(pre.response!.body)]).toEqual(['prewarmed', 'Hello, P\n']);
      expect(pre.fuelUsed).toBeGreaterThan(0);
    } finally {
      await e.close();
    }
  });

  it('charges fuel deterministically and stops a fuel-starved guest', async () => {
    const a = await engines.fastInline!.invoke(spec('hello-c'), request('name=F'));
    const b = await engines.fastInline!.invoke(spec('hello-c'), request('name=F'));
    expect(a.fuelUsed).toBeGreaterThan(1000);
    expect(b.fuelUsed).toBe(a.fuelUsed);
    const starved = await engines.fastInline!.invoke(spec('hello-c', { fuel: 500 }), request(''));
    expect(starved.error?.code).toBe('FuelExhausted');
  });

  it('runs each instance of a module on its own host and limits, though they share one set of imports', async () => {
    // preview1-instance.ts links every instance of a module to the same functions, which find
    // the running instance's host, limits and speculative run at call time.
    const art = await loadArtifact(dirs['hello-c']!);
    const compiled = await compileArtifact(art);
    const io = { responseBytes: 1 << 20, logBytes: 1 << 16 };
    const run = newRun();
    const a = createInstance(art, compiled, spec('hello-c'), io);
    const b = createInstance(art, compiled, spec('hello-c'), io, run);
    const c = createInstance(art, compiled, spec('hello-c', { fuel: 500 }), io);
    const answer = (inst: typeof a, name: string) => {
      inst.limits.begin(inst === c ? 500 : DEFAULTS.fuel);
      try {
        const out = runInvocation('command', inst, spec('hello-c'), request(`name=${name}`), io);
        return 'code' in out ? out.code : dec.decode(out.body);
      } finally {
        inst.limits.settle(); // as the executor does
      }
    };
    // Made in order a, b, c; run in another order, each answering its own request.
    expect(answer(b, 'B')).toBe('Hello, B\n');
    expect(run.hostUnits).toBeLessThan(20_000); // b's host calls were metered against its run...
    const left = run.hostUnits;
    expect(answer(a, 'A')).toBe('Hello, A\n');
    expect(run.hostUnits).toBe(left); // ...and a's were not.
    const used = a.limits.fuelUsed;
    expect(() => answer(c, 'C')).toThrow(/fuel/); // c's own budget, not a's or b's
    // Each keeps what its own run used, though the instances share one fuel counter.
    expect(used).toBeGreaterThan(1000);
    expect([a.limits.fuelUsed, b.limits.fuelUsed, a.limits.overdrawn]).toEqual([used, used, false]);
    expect(c.limits.fuelUsed).toBeLessThanOrEqual(500);
    expect(b.wasi.ctx.stdout.length).toBeGreaterThan(0);
    for (const i of [a, b, c]) releaseInstance(i);
    // A released instance cannot run again, and its host no longer holds the request.
    expect([a.start, b.start]).toEqual([undefined, undefined]);
    expect(b.wasi.ctx.stdout.length).toBe(0);
  });

  it('refuses a function whose memory at start exceeds its cap', async () => {
    const r = await engines.fastInline!.invoke(spec('hello-c', { memoryMB: 0.05 }), request(''));
    expect(r.error?.code).toBe('MemoryLimitExceeded');
  });
});
