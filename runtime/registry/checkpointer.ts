// WAL checkpoints off the host's thread. SQLite copies its write-ahead log back into the database
// file when a commit finds the log over 1,000 pages (wal_autocheckpoint), inside that commit:
// under load the log store's flush that crossed the line took ~4 ms instead of ~0.25 ms, about
// once a second, and those flushes were most of hello-c's p99 (docs/bench.md, 5e). SQLite's own
// advice: turn automatic checkpoints off on the busy connection and run them from another
// thread. A worker thread with a connection of its own runs `wal_checkpoint(PASSIVE)`: passive,
// it never waits for the writer and the writer never waits for it. It is asked right after a
// commit (at most once a second): a checkpoint overlapping the next commit would not copy
// everything, and only when everything is copied does the next commit start the log over — on
// a timer alone the log grew without end under load. A quiet connection is checkpointed by the
// thread's own timer.
//
// The thread starts with the first commit; the busy connection gives up its automatic
// checkpoints only once the thread has opened the database; if the thread cannot start, fails a
// checkpoint or dies, the connection gets them back (and the failure is logged), so the log
// never grows without bound.

import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { workerExecArgv } from '../engine/worker/early.js';
import type { DB } from './db.js';

/** At most how often the thread checkpoints (default). At ~40k logged invocations a second the
 *  log grows ~5 MB in that time. */
export const CHECKPOINT_MS = 1000;
/** SQLite's default, given back when the thread is gone. */
const AUTOCHECKPOINT_PAGES = 1000;

/** What one checkpoint did (SQLite's wal_checkpoint result). */
export interface CheckpointResult {
  busy: number;
  /** Frames in the log. */
  log: number;
  /** Frames copied into the database so far. */
  checkpointed: number;
}

export interface Checkpointer {
  /** Whether the thread does the checkpoints (else the connection does, automatically). */
  readonly active: boolean;
  /** The busy connection just committed: a checkpoint starts now if one is due. */
  committed(): void;
  /** A checkpoint now, on the thread (tests, and what a caller may want before a backup). */
  checkpoint(): Promise<CheckpointResult>;
  close(): Promise<void>;
}

// The thread: CommonJS, evaluated (the host may run from a startup snapshot or a bundle, where
// there is no file of its own to point a Worker at). Replies only when asked; errors always.
const THREAD = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.lib);
const db = new Database(workerData.file, { nativeBinding: workerData.addon });
let last = 0;
const run = () => { last = Date.now(); return db.pragma('wal_checkpoint(PASSIVE)')[0]; };
const runOrSay = () => {
  try { run(); } catch (e) { parentPort.postMessage({ type: 'error', message: String(e && e.message) }); }
};
const timer = setInterval(() => {
  if (Date.now() - last >= workerData.intervalMs) runOrSay();
}, workerData.intervalMs);
parentPort.on('message', (m) => {
  if (m.type === 'checkpoint' && m.id < 0) runOrSay();
  else if (m.type === 'checkpoint') {
    try { parentPort.postMessage({ type: 'result', id: m.id, result: run() }); }
    catch (e) { parentPort.postMessage({ type: 'result', id: m.id, error: String(e && e.message) }); }
  } else if (m.type === 'stop') {
    clearInterval(timer);
    db.close();
    parentPort.close();
  }
});
parentPort.postMessage({ type: 'ready' });
`;

type FromThread =
  | { type: 'ready' }
  | { type: 'error'; message: string }
  | { type: 'result'; id: number; result?: CheckpointResult; error?: string };

export function startCheckpointer(
  db: DB,
  opts: { intervalMs?: number; onLog?: (message: string) => void; lib?: string } = {},
): Checkpointer {
  const log = opts.onLog ?? ((m) => console.error(`wisp: ${m}`));
  const req = createRequire(import.meta.url);
  let active = false;
  let stopped = false;
  const waiting = new Map<number, { ok: (r: CheckpointResult) => void; fail: (e: Error) => void }>();
  let nextId = 0;
  let lastCheckpoint = 0;
  const intervalMs = opts.intervalMs ?? CHECKPOINT_MS;
  let fellBack = false;
  const fallBack = (why: string) => {
    if (fellBack || stopped) return;
    fellBack = true;
    if (db.open) db.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`);
    log(`WAL checkpoints back on the host's thread: ${why}`);
    active = false;
    for (const w of waiting.values()) w.fail(new Error(why));
    waiting.clear();
  };
  let worker: Worker | undefined;
  let gone = true;
  let exited = Promise.resolve();
  /** The thread starts with the first commit (not with the host: its boot would compete with
   *  the host's own start for the CPU, and a host that logs nothing needs none). */
  const boot = () => {
    try {
      worker = new Worker(THREAD, {
        eval: true,
        execArgv: workerExecArgv(process.execArgv),
        workerData: {
          lib: opts.lib ?? req.resolve('better-sqlite3'),
          addon: req.resolve('better-sqlite3/build/Release/better_sqlite3.node'),
          file: db.name,
          intervalMs,
        },
      });
    } catch (e) {
      fallBack(e instanceof Error ? e.message : String(e));
      return;
    }
    gone = false;
    // The thread never keeps the host alive.
    worker.unref();
    worker.on('message', (m: FromThread) => {
      if (m.type === 'ready') {
        if (stopped || fellBack || !db.open) return;
        db.pragma('wal_autocheckpoint = 0');
        active = true;
      } else if (m.type === 'error') {
        // The connection checkpoints itself from now on (a lock held too long, a full disk:
        // whatever it was, SQLite's own way is the safe one).
        fallBack(`a checkpoint failed: ${m.message}`);
        void worker?.terminate();
      } else {
        const w = waiting.get(m.id);
        waiting.delete(m.id);
        if (m.result) w?.ok(m.result);
        else w?.fail(new Error(m.error ?? 'checkpoint failed'));
      }
    });
    worker.on('error', (e) => fallBack(e.message));
    exited = new Promise<void>((r) => {
      worker!.once('exit', (code) => {
        gone = true;
        if (!stopped) fallBack(`the checkpoint thread exited (${code})`);
        r();
      });
    });
  };
  return {
    get active() {
      return active;
    },
    committed() {
      if (!worker && !stopped && !fellBack) boot();
      if (!active) return;
      const now = Date.now();
      if (now - lastCheckpoint < intervalMs) return;
      lastCheckpoint = now;
      worker!.postMessage({ type: 'checkpoint', id: -1 });
    },
    checkpoint() {
      if (!worker || !active) return Promise.reject(new Error('no checkpoint thread'));
      const id = nextId++;
      return new Promise((ok, fail) => {
        waiting.set(id, { ok, fail });
        worker!.postMessage({ type: 'checkpoint', id });
      });
    },
    async close() {
      if (stopped) return;
      stopped = true;
      active = false;
      // The connection may outlive the thread: it checkpoints itself again.
      if (db.open) db.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`);
      if (gone) return;
      worker!.postMessage({ type: 'stop' });
      // A thread stuck in a checkpoint is not waited for long.
      const timer = setTimeout(() => void worker!.terminate(), 2000);
      await exited;
      clearTimeout(timer);
    },
  };
}
