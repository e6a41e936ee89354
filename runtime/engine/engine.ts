// The engine: artifact -> compiled modules -> an executor runs the invocation.
//
//   hot        a reused instance (spec.reuse), kept after a successful invocation
//   prewarmed  taken from the function's pool (spec.prewarm > 0)
//   warm       compiled modules cached: only instantiate
//   cold       read + compile + instantiate
//
// Compiling happens here, on the main thread. Guests run in worker threads (isolation 'worker',
// the default) so a guest past its deadline can be stopped; or on the calling thread
// (isolation 'inline': no wall-clock limit, for benchmarks and trusted fuel-bounded code); or
// 'auto' (what `wisp up` uses): small preview1 commands start on the calling thread on a
// bounded slice and start over in a worker if they leave it (speculation.ts).

import { availableParallelism } from 'node:os';
import { errors } from './errors.js';
import { Executor, slotOf } from './executor.js';
import type { IoLimits } from './instance.js';
import { compileArtifact, readArtifact, withGlue, type ArtifactInfo, type LoadedArtifact } from './loader.js';
import { memo } from './memo.js';
import { ModuleCache, type CompiledArtifact } from './module-cache.js';
import { Backoff, speculationEligible } from './speculation.js';
import type { FunctionSpec, InvokeRequest, InvokeResult } from './types.js';
import { WorkerPool, type JobOutcome } from './worker/pool.js';
import { nowMs } from '../clock.js';

export interface EngineOptions {
  /** Byte budget of the compiled-module cache (default 512 MiB). */
  moduleCacheBytes?: number;
  /** Response body cap (default 6 MiB, Lambda's synchronous payload limit). */
  responseBytes?: number;
  /** Per-invocation log cap (default 256 KiB); beyond it lines are dropped and marked. */
  logBytes?: number;
  /** Where guests run (default 'worker'; see the top of this file). */
  isolation?: Isolation;
  /** Run commands built from a plain WASI preview1 module on Wisp's own preview1 host instead
   *  of the component adapter + jco glue (default true; WISP_PREVIEW1=0 turns it off). */
  preview1?: boolean;
  /** Worker threads kept running (default: the number of cores, at least 2). */
  minWorkers?: number;
  /** Most concurrent invocations; more wait in a queue (default 4 x cores, at least 8). */
  maxWorkers?: number;
  /** Extra workers idle this long are stopped (default 10 s). */
  workerIdleMs?: number;
  onBackgroundError?: (e: unknown) => void;
}

export type Isolation = 'worker' | 'inline' | 'auto';

export interface EngineStats {
  compiledArtifacts: number;
  compiledBytes: number;
  workers: number;
  busyWorkers: number;
  queued: number;
  workersReplaced: number;
  /** Isolation 'auto': invocations answered by a speculative run on the calling thread, and
   *  speculative runs abandoned (those invocations then ran in a worker). */
  speculated: number;
  speculationsAbandoned: number;
}

export class Engine {
  readonly modules: ModuleCache;
  readonly io: IoLimits;
  private artifacts = new Map<string, Promise<ArtifactInfo>>();
  /** The artifacts read so far (invokeNow() cannot wait for a read). */
  private readArtifacts = new Map<string, ArtifactInfo>();
  /** Artifacts with their glue, for the executors on this thread (inline, speculative). */
  private glued = new Map<string, Promise<LoadedArtifact>>();
  private compiling = new Map<string, Promise<CompiledArtifact>>();
  private readonly inline?: Executor;
  /** Isolation 'auto': the calling thread's executor for speculative runs. */
  private readonly speculator?: Executor;
  private readonly backoff = new Backoff();
  private speculated = 0;
  private speculationsAbandoned = 0;
  private readonly pool?: WorkerPool;
  private readonly onBackgroundError: (e: unknown) => void;
  readonly preview1: boolean;

  constructor(opts: EngineOptions = {}) {
    this.preview1 = opts.preview1 ?? process.env.WISP_PREVIEW1 !== '0';
    this.io = { responseBytes: opts.responseBytes ?? 6 * 1024 * 1024, logBytes: opts.logBytes ?? 256 * 1024 };
    this.onBackgroundError = opts.onBackgroundError ?? ((e) => console.error('wisp: background error:', e));
    this.modules = new ModuleCache(opts.moduleCacheBytes ?? 512 * 1024 * 1024, (dir) => {
      this.pool?.broadcast({ type: 'drop', dir });
      this.inline?.dropArtifact(dir);
      this.speculator?.dropArtifact(dir);
    });
    if (opts.isolation === 'inline') {
      this.inline = new Executor(this.io, this.onBackgroundError);
    } else {
      if (opts.isolation === 'auto') this.speculator = new Executor(this.io, this.onBackgroundError);
      const cores = availableParallelism();
      const min = opts.minWorkers ?? Math.max(2, cores);
      this.pool = new WorkerPool({
        init: { io: this.io, preview1: this.preview1 },
        min,
        max: Math.max(min, opts.maxWorkers ?? Math.max(8, 4 * cores)),
        idleMs: opts.workerIdleMs,
        lazy: opts.isolation === 'auto',
        onLog: (m) => this.onBackgroundError(m),
      });
    }
  }

  private artifact(dir: string): Promise<ArtifactInfo> {
    return memo(this.artifacts, dir, () =>
      readArtifact(dir, { preview1: this.preview1 }).then((art) => {
        this.readArtifacts.set(dir, art);
        return art;
      }),
    );
  }

  /** The glue is imported on this thread only for an executor here: workers import their own. */
  private withGlue(art: ArtifactInfo): Promise<LoadedArtifact> {
    return memo(this.glued, art.dir, () => withGlue(art));
  }

  /** Compiled modules, and whether this call had to compile them (a cold start). */
  private async compiled(art: ArtifactInfo): Promise<{ compiled: CompiledArtifact; cold: boolean }> {
    const hit = this.modules.get(art.dir);
    if (hit) return { compiled: hit, cold: false };
    // Concurrent cold starts of one artifact share one compile.
    let p = this.compiling.get(art.dir);
    if (!p) {
      // Workers import a component's glue (~10 ms for StarlingMonkey's) while this thread
      // compiles, instead of after the job reaches them.
      if (art.mode === 'component') this.pool?.broadcast({ type: 'load', dir: art.dir });
      p = compileArtifact(art).finally(() => this.compiling.delete(art.dir));
      this.compiling.set(art.dir, p);
    }
    const compiled = await p;
    this.modules.set(art.dir, compiled);
    return { compiled, cold: true };
  }

  private async inlineReady(art: ArtifactInfo, compiled: CompiledArtifact, ex = this.inline!): Promise<Executor> {
    if (!ex.hasArtifact(art.dir)) {
      const loaded = await this.withGlue(art);
      // Checked again: another invocation may have added it while the glue loaded.
      if (!ex.hasArtifact(art.dir)) ex.addArtifact({ art: loaded, compiled });
    }
    return ex;
  }

  /** Compile, and fill pre-warmed pools (in every running worker) ahead of traffic. */
  async prepare(spec: FunctionSpec): Promise<void> {
    const art = await this.artifact(spec.artifactDir);
    const { compiled } = await this.compiled(art);
    if (spec.prewarm === 0) return;
    if (this.inline) return (await this.inlineReady(art, compiled)).prepare(spec);
    const payload = () => ({ dir: art.dir, modules: compiled.modules, bytes: compiled.bytes });
    const fn = { name: slotOf(spec), reuse: spec.reuse, artifactDir: art.dir };
    const outcomes = await Promise.all(
      this.pool!.workers().map((w) => this.pool!.run({ msg: { type: 'prepare', spec }, fn, artifact: payload, pin: w })),
    );
    for (const o of outcomes) if ('done' in o && o.done.error) throw new Error(o.done.error);
  }

  /** Forget a function's instances (config changed, function deleted). */
  evict(name: string): void {
    this.inline?.evict(name);
    this.speculator?.evict(name);
    this.pool?.broadcast({ type: 'evict', name });
  }

  async invoke(spec: FunctionSpec, req: InvokeRequest): Promise<InvokeResult> {
    const t0 = nowMs();
    const art = await this.artifact(spec.artifactDir);
    const { compiled, cold } = await this.compiled(art);
    const here = this.executorFor(art, spec);
    if (here) {
      const r = this.runHere(await this.inlineReady(art, compiled, here), spec, req, cold);
      if (r) {
        r.durationMs = nowMs() - t0;
        return r;
      }
    }
    const outcome = await this.pool!.run({
      msg: { type: 'invoke', spec, req, cold },
      timeoutMs: spec.timeoutMs,
      fn: { name: slotOf(spec), reuse: spec.reuse, artifactDir: art.dir },
      artifact: () => ({ dir: art.dir, modules: compiled.modules, bytes: compiled.bytes }),
    });
    const r = resultOf(outcome, art.meta.shape, cold, spec);
    r.durationMs = nowMs() - t0;
    return r;
  }

  /**
   * invoke() answered before this call returns, when nothing has to be waited for: the artifact
   * read and compiled, and the guest to run on this thread (isolation 'inline', or a
   * speculative run that stays in its slice) on an executor that holds it. Undefined otherwise,
   * and then invoke() does the rest (a run that left its slice goes to a worker from there).
   * The data plane tries this first: a warm hello-c request then waits for no promise
   * (docs/bench.md, 5b).
   */
  invokeNow(spec: FunctionSpec, req: InvokeRequest): InvokeResult | undefined {
    const t0 = nowMs();
    const art = this.readArtifacts.get(spec.artifactDir);
    // modules.get also marks the artifact used, as invoke() does (the cache is an LRU).
    if (!art || !this.modules.get(art.dir)) return undefined;
    const here = this.executorFor(art, spec);
    if (!here?.hasArtifact(art.dir)) return undefined;
    const r = this.runHere(here, spec, req, false);
    if (r) r.durationMs = nowMs() - t0;
    return r;
  }

  /** This thread's executor for the function, if it runs here; else it runs in a worker. */
  private executorFor(art: ArtifactInfo, spec: FunctionSpec): Executor | undefined {
    if (this.inline) return this.inline;
    if (this.speculator && speculationEligible(art, spec) && this.backoff.allowed(slotOf(spec))) return this.speculator;
    return undefined;
  }

  /** Undefined: a speculative run left its slice; this invocation starts over in a worker, and
   *  so do the function's next ones for a while. */
  private runHere(ex: Executor, spec: FunctionSpec, req: InvokeRequest, cold: boolean): InvokeResult | undefined {
    if (ex === this.inline) return ex.invoke(spec, req, cold);
    const r = ex.speculate(spec, req, cold);
    if (r) {
      this.speculated++;
      return r;
    }
    this.speculationsAbandoned++;
    this.backoff.hold(slotOf(spec));
    return undefined;
  }

  stats(): EngineStats {
    return {
      compiledArtifacts: this.modules.size,
      compiledBytes: this.modules.usedBytes,
      workers: this.pool?.size ?? 0,
      busyWorkers: this.pool?.busy ?? 0,
      queued: this.pool?.queued ?? 0,
      workersReplaced: this.pool?.replaced ?? 0,
      speculated: this.speculated,
      speculationsAbandoned: this.speculationsAbandoned,
    };
  }

  async close(): Promise<void> {
    this.inline?.close();
    this.speculator?.close();
    await this.pool?.close();
  }
}

function resultOf(o: JobOutcome, shape: InvokeResult['shape'], cold: boolean, spec: FunctionSpec): InvokeResult {
  const base: InvokeResult = { tier: cold ? 'cold' : 'warm', shape, logs: [], logsTruncated: false, durationMs: 0 };
  if ('timedOut' in o) return { ...base, error: errors.timeout(spec.timeoutMs) };
  if ('crashed' in o) return { ...base, error: errors.crashed(o.crashed) };
  if (o.done.error || !o.done.result) return { ...base, error: errors.internal(o.done.error ?? 'worker returned no result') };
  return o.done.result;
}
