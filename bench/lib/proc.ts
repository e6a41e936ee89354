// Child processes for peers and the host under test: start, wait for readiness, stop; and the
// load generator (wrk). Peers' npm packages (workerd, @wasmer/wasi) are the project's
// devDependencies; $WISP_BENCH_PEERS points elsewhere to compare other versions.

import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PEERS_DIR = process.env.WISP_BENCH_PEERS ?? fileURLToPath(new URL(import.meta.url.includes('/dist/') ? '../../../' : '../../', import.meta.url));

/** An npm package from the peers dir, or an Error saying how to install it. */
export function peerRequire<T>(pkg: string): T | Error {
  try {
    return createRequire(join(PEERS_DIR, 'package.json'))(pkg) as T;
  } catch (e) {
    return new Error(`npm package ${pkg} not installed (npm i --prefix ${PEERS_DIR} ${pkg}): ${(e as Error).message.split('\n')[0]}`);
  }
}

export function peerBin(name: string): string | Error {
  const p = join(PEERS_DIR, 'node_modules', '.bin', name);
  return existsSync(p) ? p : new Error(`${name} not installed (npm i --prefix ${PEERS_DIR} ${name})`);
}

export function which(cmd: string): string | null {
  try {
    return execFileSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface Child {
  proc: ChildProcess;
  url: string;
  /** ms from spawn to the readiness signal. */
  readyMs: number;
  output(): string;
  stop(): Promise<void>;
}

export interface StartOptions {
  cmd: string;
  args: string[];
  env?: Record<string, string>;
  cwd?: string;
  /** Readiness from a line of output: a regex whose group 1 is a port or a URL. */
  ready?: { stream: 'stdout' | 'stderr'; re: RegExp };
  /** Or: a known port, polled with connects every pollMs. */
  port?: number;
  pollMs?: number;
  timeoutMs?: number;
}

function stopper(proc: ChildProcess): () => Promise<void> {
  return () =>
    new Promise((done) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return done();
      proc.once('exit', () => done());
      proc.kill('SIGKILL');
    });
}

async function canFetch(url: string): Promise<boolean> {
  try {
    const r = await fetch(url);
    await r.arrayBuffer();
    return true;
  } catch {
    return false;
  }
}

/** How much of a child's output is kept for error messages. */
const TAIL_CHARS = 64 * 1024;

/** Spawn and wait until it serves; `t0` is taken just before spawn(). */
export function startChild(o: StartOptions): Promise<Child> {
  const t0 = performance.now();
  const proc = spawn(o.cmd, o.args, {
    cwd: o.cwd,
    env: { ...process.env, ...o.env },
    stdio: ['ignore', o.ready?.stream === 'stdout' ? 'pipe' : 'ignore', 'pipe'],
  });
  // Only a tail is kept (error messages): a host under load prints a line per request, and
  // growing one string with all of it cost this process CPU that the client needs.
  let out = '';
  const keep = (d: Buffer) => {
    out += d;
    if (out.length > 2 * TAIL_CHARS) out = out.slice(-TAIL_CHARS);
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  const stop = stopper(proc);
  return new Promise((resolve, reject) => {
    let settled = false;
    const ok = (url: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ proc, url, readyMs: performance.now() - t0, output: () => out, stop });
    };
    const fail = (why: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void stop();
      reject(new Error(`${o.cmd} ${o.args.join(' ')}: ${why}\n${out.slice(-2000)}`));
    };
    const timer = setTimeout(() => fail('not ready in time'), o.timeoutMs ?? 30_000);
    proc.once('exit', (code, sig) => fail(`exited (${code ?? sig})`));
    proc.once('error', (e) => fail(e.message));
    if (o.ready) {
      const stream = o.ready.stream === 'stdout' ? proc.stdout! : proc.stderr!;
      let buf = '';
      const scan = (d: Buffer) => {
        buf += d;
        const m = o.ready!.re.exec(buf);
        if (!m) return;
        // Ready: stop scanning (the stream stays drained by keep()).
        stream.off('data', scan);
        buf = '';
        ok(/^\d+$/.test(m[1]!) ? `http://127.0.0.1:${m[1]}` : m[1]!);
      };
      stream.on('data', scan);
    } else if (o.port) {
      const url = `http://127.0.0.1:${o.port}`;
      const poll = async () => {
        while (!settled) {
          if (await canFetch(url)) return ok(url);
          await new Promise((r) => setTimeout(r, o.pollMs ?? 2));
        }
      };
      void poll();
    }
  });
}

/** `node -e` serving 'hi': the spawn baseline (prints its port on stdout). */
export const NODE_E_HI = `require('http').createServer((q,s)=>s.end('hi')).listen(0,'127.0.0.1',function(){console.log('PORT '+this.address().port)})`;

/** ms from spawn to one answered GET (200, body containing `expect`); the child is stopped. */
export async function firstResponse(spawnIt: () => Promise<Child>, path: string, expect: string): Promise<number> {
  const t = performance.now();
  const c = await spawnIt();
  try {
    const r = await fetch(`${c.url}${path}`);
    const body = await r.text();
    const ms = performance.now() - t;
    if (r.status !== 200 || !body.includes(expect)) throw new Error(`${r.status} ${body.slice(0, 80)}`);
    return ms;
  } finally {
    await c.stop();
  }
}

export interface WrkResult {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  errors: string | null;
}

const UNIT: Record<string, number> = { us: 1e-3, ms: 1, s: 1000 };

/** wrk -t1 -c{c} -d{sec}s --latency; latencies in ms. */
export function wrk(bin: string, url: string, sec: number, c = 2): Promise<WrkResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(bin, ['-t1', `-c${c}`, `-d${sec}s`, '--latency', url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.once('error', reject);
    p.once('exit', () => {
      const lat = (q: string) => {
        const m = new RegExp(`^\\s+${q}%\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm').exec(out);
        return m ? Number(m[1]) * UNIT[m[2]!]! : NaN;
      };
      const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
      const reqs = /(\d+) requests in/.exec(out);
      const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(out);
      const sockErr = /Socket errors: (.*)/.exec(out);
      if (!rps) return reject(new Error(`wrk: no result:\n${out}`));
      resolve({
        rps: Number(rps[1]),
        p50: lat('50'),
        p99: lat('99'),
        requests: Number(reqs?.[1] ?? 0),
        errors: non2xx ? `${non2xx[1]} non-2xx responses` : sockErr ? `socket errors: ${sockErr[1]}` : null,
      });
    });
  });
}
