// bin/wisp-host: the CLI and host started from the V8 startup snapshot (cli/snapshot.ts, built by
// bin/bundle.mjs). Everything the snapshot defers to run time is exercised here, in a real
// process started from the blob: the SQLite addon, builtins, a JS component in a worker and on
// the main thread (its glue imported through runtime/external-snapshot.ts), a deploy that runs
// the compiler (jco, binaryen) in the snapshot host, and per-process randomness.
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManifestFunctions } from '../../runtime/functions/manifest.js';
import { DATA_DIR, FIXTURES, ROOT } from '../helpers/paths.js';

const HOST = join(ROOT, 'bin/wisp-host');
const BLOB = join(ROOT, 'dist/bundle/host.blob');

interface Started {
  url: string;
  proc: ChildProcess;
  stop(): Promise<void>;
}

const running: Started[] = [];
let fnsDir: string;

function up(env: Record<string, string> = {}): Promise<Started> {
  return mkdtemp(join(tmpdir(), 'wisp-host-')).then(
    (data) =>
      new Promise((resolve, reject) => {
        const proc = spawn(HOST, ['up', '--port', '0', '--data', data, '--functions', fnsDir], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        proc.stdout!.on('data', (d) => (out += d));
        const timer = setTimeout(() => reject(new Error(`host did not start:\n${out}`)), 60_000);
        proc.stderr!.on('data', (d) => {
          out += d;
          const m = /serving \d+ functions on (http:\/\/[^/\s]+)/.exec(out);
          if (!m) return;
          clearTimeout(timer);
          const s: Started = {
            url: m[1]!,
            proc,
            stop: () =>
              new Promise((done) => {
                if (proc.exitCode !== null || proc.signalCode !== null) return done();
                proc.once('exit', () => done());
                proc.kill('SIGTERM');
              }),
          };
          running.push(s);
          resolve(s);
        });
        proc.once('exit', (code) => reject(new Error(`host exited with ${code}:\n${out}`)));
      }),
  );
}

/** The process's own command line: the launcher exec()s node, so the pid is node's. */
const cmdline = (p: ChildProcess) => readFileSync(`/proc/${p.pid}/cmdline`, 'utf8').split('\0');

function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(HOST, args, { env: { ...process.env, ...env }, maxBuffer: 16 << 20 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  // The fixtures global setup built, by artifact path: the hosts under test build nothing at start.
  const m = await ManifestFunctions.load(FIXTURES, { cacheDir: DATA_DIR, want: (n) => n === 'echo-c' || n === 'counter-js' });
  fnsDir = await mkdtemp(join(tmpdir(), 'wisp-host-fns-'));
  const functions = m.list().map((s) => ({ name: s.name, artifact: s.artifactDir }));
  writeFileSync(join(fnsDir, 'functions.json'), JSON.stringify({ functions }));
});
afterAll(async () => {
  await Promise.all(running.map((s) => s.stop()));
});

describe('bin/wisp-host', () => {
  it('has a snapshot to start from after `npm run build:ts`, recorded with the node and V8 flags that built it', () => {
    expect(existsSync(BLOB)).toBe(true);
    const [node, flags] = readFileSync(`${BLOB}.args`, 'utf8').split('\n');
    expect(node).toBe(process.execPath);
    expect(flags).toContain('--wasm-lazy-validation');
  });

  it('serves a command, and a JS component in a worker, from a process started from the snapshot', async () => {
    const h = await up();
    expect(cmdline(h.proc)).toContain('--snapshot-blob');
    const c = await fetch(`${h.url}/fn/echo-c/?x=1`, { method: 'POST', body: 'ping' });
    expect(c.status).toBe(200);
    expect(await c.text()).toContain('ping');
    const js = await fetch(`${h.url}/fn/counter-js/`);
    expect(js.status).toBe(200);
    expect(await js.text()).toMatch(/\d/);
  });

  it('imports a JS component’s glue on the main thread (isolation inline) and draws its own randomness', async () => {
    const [a, b] = [await up({ WISP_ISOLATION: 'inline' }), await up()];
    const js = await fetch(`${a.url}/fn/counter-js/`);
    expect(js.status).toBe(200);
    // Request IDs come from crypto.randomUUID, whose module is in the snapshot: two processes
    // started from the same blob must not draw the same values.
    const ids = await Promise.all([a, b].map(async (h) => (await fetch(`${h.url}/fn/echo-c/`, { method: 'POST', body: 'x' })).headers.get('x-wisp-request-id')));
    expect(ids[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(ids[0]).not.toBe(ids[1]);
  });

  it('builds and serves a deployed C function: the compiler runs inside the snapshot host', async () => {
    const h = await up();
    const env = { WISP_ENDPOINT: h.url, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' };
    const dep = await cli(['deploy', join(ROOT, 'examples/hello-c'), '--name', 'snap-c'], env);
    expect(dep.stderr).toBe('');
    expect(dep.stdout).toMatch(/^created snap-c version \$LATEST \(c, /);
    const r = await fetch(`${h.url}/fn/snap-c/?name=Snapshot`);
    expect(await r.text()).toContain('Hello, Snapshot');
  }, 180_000);

  it('falls back to bin/wisp.js when the blob is missing, stale, or from a node that is gone', () => {
    // The launcher alone, in a scratch tree: bin/wisp.js there only says which path ran.
    const tree = mkdtempSync(join(tmpdir(), 'wisp-launcher-'));
    mkdirSync(join(tree, 'bin'));
    mkdirSync(join(tree, 'dist/cli'), { recursive: true });
    mkdirSync(join(tree, 'dist/bundle'), { recursive: true });
    copyFileSync(HOST, join(tree, 'bin/wisp-host'));
    writeFileSync(join(tree, 'bin/wisp.js'), "process.stdout.write('fallback ' + process.argv.slice(2).join(' '))");
    const main = join(tree, 'dist/cli/main.js');
    const blob = join(tree, 'dist/bundle/host.blob');
    writeFileSync(main, '');
    const run = () => execFileSync(join(tree, 'bin/wisp-host'), ['help', 'x'], { encoding: 'utf8' });
    expect(run()).toBe('fallback help x'); // no blob
    // A "node" that just echoes, recorded as the one that built the blob: the launcher execs it.
    const fakeNode = join(tree, 'fake-node');
    writeFileSync(fakeNode, '#!/bin/sh\necho "snapshot $*"\n');
    chmodSync(fakeNode, 0o755);
    writeFileSync(blob, '');
    writeFileSync(`${blob}.args`, `${fakeNode}\n--flag-a --flag-b\n`);
    const past = new Date(Date.now() - 60_000);
    utimesSync(fakeNode, past, past);
    utimesSync(main, past, past);
    expect(run()).toBe(`snapshot --snapshot-blob ${tree}/bin/../dist/bundle/host.blob --flag-a --flag-b help x\n`);
    // tsc ran after the blob was built: its output is newer, the blob is stale.
    utimesSync(main, new Date(), new Date(Date.now() + 60_000));
    expect(run()).toBe('fallback help x');
    utimesSync(main, past, past);
    // The recorded node was replaced after the blob was built.
    utimesSync(fakeNode, new Date(), new Date(Date.now() + 60_000));
    expect(run()).toBe('fallback help x');
    // ... or is gone.
    writeFileSync(`${blob}.args`, `${join(tree, 'no-such-node')}\n--flag-a\n`);
    expect(run()).toBe('fallback help x');
  });

  it('runs the same CLI without the snapshot when told to (WISP_SNAPSHOT=0)', async () => {
    const [withSnap, without] = [await cli(['help']), await cli(['help'], { WISP_SNAPSHOT: '0' })];
    expect(withSnap.code).toBe(0);
    expect(withSnap.stdout).toMatch(/^usage: wisp <command>/);
    expect(without.stdout).toBe(withSnap.stdout);
    const bad = await cli(['no-such-command']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^wisp: unknown command 'no-such-command'/);
  });
});
