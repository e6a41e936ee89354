import type { Shape } from '../../compiler/artifact.js';

/** How an invocation got its instance; the same names in headers, metrics and the bench. */
export type Tier = 'cold' | 'warm' | 'hot' | 'prewarmed';

/**
 * Everything the engine needs to run a function. Where it comes from (a manifest today, the
 * registry later) is not the engine's business.
 */
export interface FunctionSpec {
  name: string;
  /** Version label ($LATEST, 1, 2, ...) — part of the instance identity. */
  version: string;
  /** A built artifact directory (compiler/artifact.ts). */
  artifactDir: string;
  /** Cap on the sum of the component's linear memories (Lambda's MemorySize). */
  memoryMB: number;
  /** Wall-clock limit per invocation. */
  timeoutMs: number;
  /** The guest's whole environment. */
  env: Record<string, string>;
  /** Keep one instance alive across requests (Lambda-style global state). http shape only. */
  reuse: boolean;
  /** Instances kept ready ahead of demand (provisioned concurrency). */
  prewarm: number;
  /** Fuel per invocation, where the artifact is instrumented. */
  fuel: number;
}

export interface InvokeRequest {
  requestId: string;
  method: string;
  /** The function's own path (what follows /fn/NAME), always starting with '/'. */
  path: string;
  /** Raw query string without '?'. */
  query: string;
  headers: [string, string][];
  body: Uint8Array;
  scheme: 'http' | 'https';
  authority: string;
  remoteAddr: string;
}

export interface InvokeResponse {
  status: number;
  headers: [string, string][];
  body: Uint8Array;
}

export interface InvokeError {
  status: number;
  /** Machine-readable; documented in the README. */
  code: string;
  message: string;
}

export interface InvokeResult {
  tier: Tier;
  shape: Shape;
  response?: InvokeResponse;
  error?: InvokeError;
  /** The guest's stderr (and, for http functions, stdout) split into lines. */
  logs: string[];
  logsTruncated: boolean;
  durationMs: number;
  fuelUsed?: number;
  /** Linear memory of the instance after the invocation (its peak: memories only grow). */
  memoryBytes?: number;
}
