// Messages between the engine (main thread) and an executor worker. One job at a time per
// worker: a guest runs synchronously, so a busy worker could not answer anyway.

import type { IoLimits } from '../instance.js';
import type { FunctionSpec, InvokeRequest, InvokeResult } from '../types.js';

export interface WorkerInit {
  io: IoLimits;
  /** The engine's choice of the preview1 fast path (loader.ts). */
  preview1: boolean;
}

/** Compiled modules travel by postMessage: the code is shared, not recompiled. */
export interface ArtifactPayload {
  dir: string;
  modules: Map<string, WebAssembly.Module>;
  bytes: number;
}

export type ToWorker =
  | { type: 'init'; id: 0; init: WorkerInit }
  | { type: 'invoke'; id: number; spec: FunctionSpec; req: InvokeRequest; cold: boolean; artifact?: ArtifactPayload }
  | { type: 'prepare'; id: number; spec: FunctionSpec; artifact?: ArtifactPayload }
  | { type: 'evict'; id: number; name: string }
  | { type: 'drop'; id: number; dir: string }
  /** A job for this artifact is coming (the engine is compiling it): import its glue now. */
  | { type: 'load'; id: number; dir: string }
  | { type: 'stats'; id: number };

export interface Readiness {
  name: string;
  hot: boolean;
  pooled: number;
}

export type FromWorker =
  | { type: 'done'; id: number; result?: InvokeResult; readiness?: Readiness; stats?: unknown; error?: string }
  | { type: 'log'; message: string }
  /** Booted and initialised (the answer to 'init'). */
  | { type: 'ready' }
  /** Sent after a (slow) artifact load, right before the guest runs: its clock starts now. */
  | { type: 'running'; id: number };
