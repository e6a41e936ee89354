// The worker pool when workers cannot start: it backs off instead of replacing them in a tight
// loop (which had an idle host burn both cores), answers waiting jobs with the reason, and an
// engine embedded in `node --input-type=module -e` gets workers that boot.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { build } from '../../compiler/build.js';
import { workerExecArgv } from '../../runtime/engine/worker/early.js';
import { WorkerPool } from '../../runtime/engine/worker/pool.js';
import type { JobOutcome } from '../../runtime/engine/worker/pool.js';
import { DEFAULTS } from '../../runtime/functions/defaults.js';
import { DATA_DIR, ROOT } from '../helpers/paths.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('workerExecArgv', () => {
  it("gives no Node options to workers of a process started with entry-point flags, else inherits", () => {
    expect(workerExecArgv(['--input-type=module', '-e', 'code', '--wasm-lazy-validation'])).toEqual([]);
    expect(workerExecArgv(['--input-type', 'module', '--eval', 'x'])).toEqual([]);
    expect(workerExecArgv(['-p', '1+1'])).toEqual([]);
    expect(workerExecArgv(['--print=2'])).toEqual([]);
    // bin/wisp-host's own flags: inherited as Node does it (a given list may not hold them).
    expect(workerExecArgv(['--snapshot-blob', 'b', '--wasm-lazy-validation', '--experimental-wasm-extended-const'])).toBeUndefined();
    expect(workerExecArgv([])).toBeUndefined();
  });
});

describe('WorkerPool, workers that cannot start', () => {
  it('backs off between tries and answers waiting jobs with the reason', async () => {
    const logs: string[] = [];
    const pool = new WorkerPool({
      init: { io: {} as never, preview1: true },
      min: 2,
      max: 4,
      onLog: (m) => logs.push(m),
      newWorker: () => new Worker('throw new Error("cannot boot here")', { eval: true }),
    });
    try {
      // The job given to the first worker goes down with it.
      const first: JobOutcome = await pool.run({ msg: { type: 'stats', id: 0 } as never });
      expect(first).toEqual({ crashed: 'worker error: cannot boot here' });
      // One that waits through the next tries (50, 100, ... ms apart) is answered once three
      // in a row have failed, not held for ever.
      const t0 = Date.now();
      const waiting: JobOutcome = await pool.run({ msg: { type: 'stats', id: 0 } as never });
      expect(waiting).toEqual({ crashed: expect.stringMatching(/^(no worker could start: )?worker error: cannot boot here$/) });
      expect(Date.now() - t0).toBeLessThan(10_000);
      expect(logs[0]).toBe('a worker failed to start (worker error: cannot boot here); next try in 50 ms');
      // From then on, jobs are answered at once while no worker is up.
      await sleep(400);
      const t1 = Date.now();
      const third: JobOutcome = await pool.run({ msg: { type: 'stats', id: 0 } as never });
      expect(third).toEqual({ crashed: 'no worker could start: worker error: cannot boot here' });
      expect(Date.now() - t1).toBeLessThan(50);
      // Over the next half second: a few more tries, not hundreds.
      const before = pool.replaced;
      await sleep(500);
      expect(pool.replaced - before).toBeLessThanOrEqual(3);
      expect(logs.some((l) => /next try in (400|800) ms/.test(l))).toBe(true);
    } finally {
      await pool.close();
    }
  });
});

describe('an engine inside `node --input-type=module -e`', () => {
  it('runs a function in a worker (the host flags are not passed to workers)', async () => {
    const b = await build(join(ROOT, 'examples', 'hello-c'), { cacheDir: DATA_DIR });
    const spec = { name: 'hello-c', version: '$LATEST', artifactDir: b.dir, env: {}, ...DEFAULTS };
    const script = `
      const { Engine } = await import(${JSON.stringify(join(ROOT, 'dist/runtime/engine/engine.js'))});
      const e = new Engine({ isolation: 'worker', minWorkers: 1 });
      const spec = ${JSON.stringify(spec)};
      const req = { requestId: 'r', method: 'GET', path: '/', query: 'name=embedded', headers: [], body: new Uint8Array(0), scheme: 'http', authority: '127.0.0.1', remoteAddr: '127.0.0.1' };
      const r = await e.invoke(spec, req);
      console.log(JSON.stringify({ body: new TextDecoder().decode(r.response?.body), error: r.error, stats: e.stats() }));
      await e.close();`;
    const out = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ['--input-type=module', '-e', script], { timeout: 60_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout))),
    );
    const r = JSON.parse(out) as { body: string; error?: unknown; stats: { workersReplaced: number } };
    expect(r.error).toBeUndefined();
    expect(r.body).toContain(', embedded');
    expect(r.stats.workersReplaced).toBe(0);
  });
});
