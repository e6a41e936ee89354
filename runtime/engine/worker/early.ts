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
  const execArgv = workerExecArgv(process.execArgv);
  return new Worker(workerScript(), {
    // Host-side JS heap of the glue and WASI objects; guests' linear memory is capped separately.
    resourceLimits: { maxOldGenerationSizeMb: 512, stackSizeMb: 4 },
    ...(execArgv ? { execArgv } : {}),
  });
}

/**
 * The Node options for a worker: undefined to inherit the process's (Node's default), or none at
 * all when the process was started with options about its own entry point (`-e`, `--eval`,
 * `-p`, `--print`, `--input-type`): a host embedded in `node --input-type=module -e '...'` passed
 * those on and every worker failed to boot. Not that list minus those flags: Node refuses V8
 * flags and --snapshot-blob in a given list, and V8 flags apply to the whole process anyway.
 */
export function workerExecArgv(argv: readonly string[]): [] | undefined {
  return argv.some((a) => /^(-e|--eval|-p|--print|--input-type)(=|$)/.test(a)) ? [] : undefined;
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
