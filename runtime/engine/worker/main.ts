// Entry point of an executor worker thread. Guests run here so that the main thread can stop
// a runaway one (Worker.terminate) without touching any other invocation.

import { parentPort } from 'node:worker_threads';
import { Executor, slotOf } from '../executor.js';
import { loadArtifact, type LoadedArtifact } from '../loader.js';
import { memo } from '../memo.js';
import type { ArtifactPayload, FromWorker, ToWorker, WorkerInit } from './protocol.js';

const port = parentPort!;
const post = (m: FromWorker, transfer: Transferable[] = []) => port.postMessage(m, transfer as never);
// Set by the pool's first message ('init'): a worker may boot before the engine exists (early.ts).
let init: WorkerInit;
let executor: Executor;

/** Artifacts with their glue, loading or loaded ('load' starts one before its first job). */
const loading = new Map<string, Promise<LoadedArtifact>>();

const load = (dir: string): Promise<LoadedArtifact> => memo(loading, dir, () => loadArtifact(dir, { preview1: init.preview1 }));

async function ensure(a: ArtifactPayload | undefined): Promise<void> {
  if (!a || executor.hasArtifact(a.dir)) return;
  const art = await load(a.dir);
  if (!executor.hasArtifact(a.dir)) executor.addArtifact({ art, compiled: { modules: a.modules, bytes: a.bytes } });
}

let jobs = 0;

async function handle(m: Exclude<ToWorker, { type: 'init' }>): Promise<void> {
  switch (m.type) {
    case 'invoke': {
      await ensure(m.artifact);
      // The host holds the deadline until this worker is booted and loaded (see pool.ts).
      if (m.artifact || jobs === 0) post({ type: 'running', id: m.id });
      jobs++;
      const result = executor.invoke(m.spec, m.req, m.cold);
      let body = result.response?.body;
      // A view of a larger buffer (a sink's slab, runtime/wasi/sink.ts) is copied out first:
      // posting it would copy all of that buffer. Then the body's memory is handed over.
      if (body && (body.byteOffset !== 0 || body.byteLength !== body.buffer.byteLength)) body = result.response!.body = body.slice();
      const transfer = body ? [body.buffer as ArrayBuffer] : [];
      post({ type: 'done', id: m.id, result, readiness: { name: slotOf(m.spec), ...executor.readiness(m.spec) } }, transfer);
      return;
    }
    case 'prepare':
      await ensure(m.artifact);
      await executor.prepare(m.spec);
      post({ type: 'done', id: m.id, readiness: { name: slotOf(m.spec), ...executor.readiness(m.spec) } });
      return;
    case 'evict':
      executor.evict(m.name);
      break;
    case 'drop':
      executor.dropArtifact(m.dir);
      loading.delete(m.dir);
      break;
    case 'load':
      // Errors surface when the job itself loads the artifact.
      load(m.dir).catch(() => undefined);
      break;
    case 'stats':
      post({ type: 'done', id: m.id, stats: executor.stats() });
      return;
  }
  post({ type: 'done', id: m.id });
}

port.on('message', (m: ToWorker) => {
  if (m.type === 'init') {
    init = m.init;
    executor = new Executor(init.io, (e) => post({ type: 'log', message: `background: ${String(e)}` }));
    // The pool counts a worker that dies before this as one that could not start (it backs off).
    post({ type: 'ready' });
    return;
  }
  handle(m).catch((e: unknown) => post({ type: 'done', id: m.id, error: e instanceof Error ? (e.stack ?? e.message) : String(e) }));
});
