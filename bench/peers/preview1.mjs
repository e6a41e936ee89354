// A minimal WASI preview1 host for one CGI-style command run: env and argv in, stdout captured,
// every other call answered ENOSYS. Shared by the raw-V8 peers (Node, Hono, workerd) so they all
// run the same C/Rust core module the same way. Not a sandbox: no files, no clocks, no random.
const ENOSYS = 52;
const enc = new TextEncoder();

export class Exit {
  constructor(code) {
    this.code = code;
  }
}

function host(env, args) {
  let memory;
  const out = [];
  const envs = Object.entries(env).map(([k, v]) => enc.encode(`${k}=${v}\0`));
  const argv = args.map((a) => enc.encode(`${a}\0`));
  const dv = () => new DataView(memory.buffer);
  const put = (list, ptrs, buf) => {
    const d = dv();
    const m = new Uint8Array(memory.buffer);
    let p = buf;
    list.forEach((s, i) => {
      d.setUint32(ptrs + 4 * i, p, true);
      m.set(s, p);
      p += s.length;
    });
    return 0;
  };
  const sizes = (list, countPtr, sizePtr) => {
    const d = dv();
    d.setUint32(countPtr, list.length, true);
    d.setUint32(sizePtr, list.reduce((a, s) => a + s.length, 0), true);
    return 0;
  };
  const fns = {
    args_get: (p, b) => put(argv, p, b),
    args_sizes_get: (c, s) => sizes(argv, c, s),
    environ_get: (p, b) => put(envs, p, b),
    environ_sizes_get: (c, s) => sizes(envs, c, s),
    fd_write(fd, iovs, n, nwritten) {
      const d = dv();
      let total = 0;
      for (let i = 0; i < n; i++) {
        const ptr = d.getUint32(iovs + 8 * i, true);
        const len = d.getUint32(iovs + 8 * i + 4, true);
        if (fd === 1) out.push(new Uint8Array(memory.buffer, ptr, len).slice());
        total += len;
      }
      d.setUint32(nwritten, total, true);
      return 0;
    },
    fd_fdstat_get(fd, p) {
      new Uint8Array(memory.buffer, p, 24).fill(0); // filetype unknown: not a tty
      return fd <= 2 ? 0 : 8;
    },
    fd_close: () => 0,
    fd_seek: () => 70, // ESPIPE
    proc_exit(code) {
      throw new Exit(code);
    },
  };
  const imports = { wasi_snapshot_preview1: new Proxy(fns, { get: (t, k) => t[k] ?? (() => ENOSYS) }) };
  return { imports, setMemory: (m) => (memory = m), out };
}

/** Instantiate `module` (a WebAssembly.Module) and run its _start; returns stdout bytes. */
export function runCommand(module, env, args = ['main']) {
  const h = host(env, args);
  const inst = new WebAssembly.Instance(module, h.imports);
  h.setMemory(inst.exports.memory);
  try {
    inst.exports._start();
  } catch (e) {
    if (!(e instanceof Exit)) throw e;
    if (e.code !== 0) throw new Error(`exit ${e.code}`);
  }
  let n = 0;
  for (const c of h.out) n += c.length;
  const all = new Uint8Array(n);
  n = 0;
  for (const c of h.out) {
    all.set(c, n);
    n += c.length;
  }
  return all;
}

/** The body of a CGI response (after the blank line), as a string. */
export function cgiBody(bytes) {
  const s = new TextDecoder().decode(bytes);
  const i = s.indexOf('\r\n\r\n');
  return i < 0 ? s : s.slice(i + 4);
}
