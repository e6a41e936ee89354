// Speculative inline runs (isolation 'auto', what `wisp up` uses). A worker hop costs more than
// a small command's whole run (hello-c: ~14 µs inline, ~70 µs through a worker; over HTTP the
// in-process host serves 11.6k req/s inline vs 6.5k through workers, docs/bench.md). But the
// main thread cannot be preempted, so a guest may run there only while its run is known to be
// short. It is, on a small slice:
//
//   - fuel: at most SLICE_FUEL units (an infinite loop leaves it after ~0.2 ms optimised, ~7 ms
//     on its first, unoptimised run; docs/runtime.md);
//   - host work: at most SLICE_HOST_UNITS (1 per call, plus per iovec, per KiB of randomness,
//     per poll subscription); a call that would sleep (poll_oneoff on a clock) abandons the run;
//   - memory: the initial memory only; any memory.grow or table.grow abandons the run.
//
// Past any bound, the run is abandoned and the invocation starts over on a worker, from a fresh
// instance with the function's full limits. Starting over is sound because a preview1 guest on
// Wisp's host has no effects outside its instance until it returns: no filesystem, no network,
// and stdout/stderr are buffered until the end (they are dropped with the abandoned run). Only
// such guests are eligible (art.mode 'preview1'). A function whose speculation was abandoned goes
// straight to workers for a while, so a long-running function pays for one slice, not one per
// request.

import type { ArtifactInfo } from './loader.js';
import type { FunctionSpec } from './types.js';
import { nowMs } from '../clock.js';

/**
 * One speculative run. Nothing is thrown into the guest when it leaves its slice (a guest with
 * exception handling could catch a JS exception and run on): the run is marked abandoned, the
 * host refuses the call that crossed the line (grow denied, host call or sleep answered
 * ENOSYS) and fuel exhaustion traps on the instrumentation's `unreachable`, which no
 * guest handler can catch. Whatever the guest then answers is thrown away.
 */
export interface SpeculativeRun {
  /** Host-call units left (see meter()). */
  hostUnits: number;
  /** Why the run left its slice; set once. */
  abandoned?: string;
}

export const newRun = (): SpeculativeRun => ({ hostUnits: SLICE_HOST_UNITS });

export function abandon(run: SpeculativeRun, why: string): void {
  run.abandoned ??= why;
}

/** Fuel units a speculative run may use; a function whose own budget is smaller keeps its own
 *  (running out is then the real answer, not a reason to start over). */
export const SLICE_FUEL = 2_000_000;
/** Host-call units a speculative run may use (see meter()). */
export const SLICE_HOST_UNITS = 20_000;
/** Functions with a shorter timeout than this never run inline: a slice must be far below it. */
export const MIN_TIMEOUT_MS = 100;
/** After an abandoned speculation the function runs on workers for this long. */
export const BACKOFF_MS = 30_000;

/** Whether an invocation of this function may start on the calling thread. */
export function speculationEligible(art: ArtifactInfo, spec: FunctionSpec): boolean {
  // Pooled and reused instances live in workers; only fresh preview1 instances speculate.
  // Fuel is what bounds the run: the module must carry Wisp's instrumentation.
  return art.mode === 'preview1' && art.meta.instrumented && spec.prewarm === 0 && !spec.reuse && spec.timeoutMs >= MIN_TIMEOUT_MS;
}

/**
 * From the registry alone (no artifact read): whether a function's invocations will likely need
 * a worker under 'auto'. A host boots a worker early only if some function will (host.ts);
 * a wrong guess costs one worker boot, early or on demand.
 */
export function likelyNeedsWorker(c: { shape: string; prewarm: number; reuse: boolean; timeoutMs: number }): boolean {
  // Commands are preview1 modules with the fuel instrumentation (the eligible kind) unless built
  // by an old compiler; http-shaped functions are components.
  return !(c.shape === 'command' && c.prewarm === 0 && !c.reuse && c.timeoutMs >= MIN_TIMEOUT_MS);
}

/** Per function version: when speculation is allowed again. */
export class Backoff {
  private until = new Map<string, number>();

  allowed(slot: string): boolean {
    const t = this.until.get(slot);
    if (t === undefined) return true;
    // The clock only for functions that were held: this runs on every eligible invocation.
    if (nowMs() < t) return false;
    this.until.delete(slot);
    return true;
  }

  hold(slot: string): void {
    // Bounded: slots are function versions, but a host may see many.
    if (this.until.size >= 10_000) this.until.clear();
    this.until.set(slot, nowMs() + BACKOFF_MS);
  }
}

type Fn = (...args: never[]) => number;

type Args = [a: number, b: number, c: number, d: number];

/** What one call of a preview1 function costs, beyond 1 per call. */
const EXTRA: Record<string, (...a: Args) => number> = {
  fd_write: (_fd, _iovs, count) => count >>> 0, // iovec count
  fd_read: (_fd, _iovs, count) => count >>> 0,
  random_get: (_ptr, len) => (len >>> 0) >> 10, // per KiB
  poll_oneoff: (_in, _out, nsubs) => nsubs >>> 0, // subscriptions (a clock that would sleep aborts in the host)
};

const ENOSYS = 52;

/** `f` (preview1 function `name`) charged against the allowance of the run `ref` names at
 *  call time (none: not metered); past it, the run is abandoned and calls are refused without
 *  doing any work (proc_exit still ends the run). */
export function meter(name: string, f: Fn, ref: { readonly run: SpeculativeRun | undefined }): Fn {
  const extra = EXTRA[name];
  const call = f as (...a: Args) => number;
  const mayRefuse = name !== 'proc_exit';
  // Four parameters, no rest array: every call of every preview1 instance comes through here.
  // The functions that do work take at most four; the refusing stubs (path_open's nine, ...)
  // read at most their third (runtime/wasi/preview1/host.ts).
  return ((a: number, b: number, c: number, d: number) => {
    const run = ref.run;
    if (run) {
      run.hostUnits -= 1 + (extra ? extra(a, b, c, d) : 0);
      if (run.hostUnits < 0 && mayRefuse) {
        abandon(run, 'host-call allowance spent');
        return ENOSYS;
      }
    }
    return call(a, b, c, d);
  }) as Fn;
}
