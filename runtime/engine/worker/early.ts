// A worker thread takes 30–90 ms to boot on a 2-core machine, and the first request waits for
// one. A host whose functions will need workers starts the first one as soon as it has read its
// registry (runtime/host.ts), so the worker boots while the rest of the host starts; the engine's
// pool adopts it. A host whose functions all run on the main thread (isolation 'auto') starts
// none: creating one costs its main thread ~3 ms (docs/bench.md, 4 and 4b).

import { Worker } from 'node:worker_threads';
import { workerScript } from './script.js';

const early: Worker[] = [];

/** Every executor worker is made here: the options are the pool's, wherever it is started. */
export function newWorker(): Worker {
  return new Worker(workerScript(), {
    // Host-side JS heap of the glue and WASI objects; guests' linear memory is capped separately.
    resourceLimits: { maxOldGenerationSizeMb: 512, stackSizeMb: 4 },
    execArgv: workerExecArgv(process.execArgv),
  });
}

/** Flags about the process's entry point, with how many arguments follow each. */
const ENTRY_FLAGS = new Map([
  ['-e', 1],
  ['--eval', 1],
  ['-p', 1],
  ['--print', 1],
  ['--input-type', 1],
]);

/**
 * The host's Node flags for a worker, without those about the host's own entry point: a host
 * embedded in `node --input-type=module -e '...'` passed them on (Node's default), and every
 * worker then failed to boot ("--input-type can only be used with string input").
 */
export function workerExecArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const name = a.includes('=') ? a.slice(0, a.indexOf('=')) : a;
    const takes = ENTRY_FLAGS.get(name);
    if (takes === undefined) out.push(a);
    else if (!a.includes('=')) i += takes;
  }
  return out;
}

/** Boot one worker now, for the first WorkerPool to adopt, unless one is already waiting.
 *  It never keeps the process alive. */
export function startWorkerEarly(): void {
  if (early.length > 0) return;
  const w = newWorker();
  w.unref();
  // An early worker that dies before adoption is simply not adopted.
  w.once('error', () => undefined);
  w.once('exit', () => early.splice(early.indexOf(w) >>> 0, 1));
  early.push(w);
}

export const hasEarlyWorker = (): boolean => early.length > 0;

/** A worker started early (booted or booting), if any is left. */
export function adoptEarlyWorker(): Worker | undefined {
  return early.shift();
}
