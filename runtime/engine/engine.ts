// The engine: artifact -> instance -> response, choosing the cheapest ready tier.
//
//   hot        a reused instance (spec.reuse), kept after a successful invocation
//   prewarmed  taken from the function's pool (spec.prewarm > 0)
//   warm       compiled modules cached: only instantiate
//   cold       read + compile + instantiate
//
// Guests run synchronously on the calling thread; the worker-thread executor of the limits
// work wraps this same code.

import { createInstance, type GuestInstance, type IoLimits } from './instance.js';
import { compileArtifact, loadArtifact, type LoadedArtifact } from './loader.js';
import { ModuleCache, type CompiledArtifact } from './module-cache.js';
import { InstancePool } from './pool.js';
import { classifyGuestError, errors } from './errors.js';
import { runInvocation } from './run.js';
import type { FunctionSpec, InvokeRequest, InvokeResult, Tier } from './types.js';

export interface EngineOptions {
  /** Byte budget of the compiled-module cache (default 512 MiB). */
  moduleCacheBytes?: number;
  /** Response body cap (default 6 MiB, Lambda's synchronous payload limit). */
  responseBytes?: number;
  /** Per-invocation log cap (default 256 KiB); beyond it lines are dropped and marked. */
  logBytes?: number;
  onBackgroundError?: (e: unknown) => void;
}

/** Instances and pools belong to one configuration of one function version. */
function specKey(spec: FunctionSpec): string {
  return JSON.stringify([spec.name, spec.version, spec.artifactDir, spec.memoryMB, spec.env, spec.fuel]);
}

interface FunctionState {
  key: string;
  hot?: GuestInstance;
  pool?: InstancePool;
}

export class Engine {
  readonly modules: ModuleCache;
  readonly limits: IoLimits;
  private artifacts = new Map<string, Promise<LoadedArtifact>>();
  private compiling = new Map<string, Promise<CompiledArtifact>>();
  private functions = new Map<string, FunctionState>();
  private readonly onBackgroundError: (e: unknown) => void;

  constructor(opts: EngineOptions = {}) {
    this.modules = new ModuleCache(opts.moduleCacheBytes ?? 512 * 1024 * 1024);
    this.limits = { responseBytes: opts.responseBytes ?? 6 * 1024 * 1024, logBytes: opts.logBytes ?? 256 * 1024 };
    this.onBackgroundError = opts.onBackgroundError ?? ((e) => console.error('wisp: background error:', e));
  }

  private artifact(dir: string): Promise<LoadedArtifact> {
    let p = this.artifacts.get(dir);
    if (!p) {
      p = loadArtifact(dir);
      p.catch(() => this.artifacts.delete(dir));
      this.artifacts.set(dir, p);
    }
    return p;
  }

  /** Compiled modules, and whether this call had to compile them (a cold start). */
  private async compiled(art: LoadedArtifact): Promise<{ compiled: CompiledArtifact; cold: boolean }> {
    const hit = this.modules.get(art.dir);
    if (hit) return { compiled: hit, cold: false };
    // Concurrent cold starts of one artifact share one compile.
    let p = this.compiling.get(art.dir);
    if (!p) {
      p = compileArtifact(art).finally(() => this.compiling.delete(art.dir));
      this.compiling.set(art.dir, p);
    }
    const compiled = await p;
    this.modules.set(art.dir, compiled);
    return { compiled, cold: true };
  }

  private state(spec: FunctionSpec): FunctionState {
    const key = specKey(spec);
    let st = this.functions.get(spec.name);
    if (!st || st.key !== key) {
      st?.pool?.close();
      st = { key };
      this.functions.set(spec.name, st);
    }
    if (spec.prewarm > 0 && !st.pool) {
      st.pool = new InstancePool(spec.prewarm, () => this.newInstance(spec), this.onBackgroundError);
    }
    return st;
  }

  private async newInstance(spec: FunctionSpec): Promise<GuestInstance> {
    const art = await this.artifact(spec.artifactDir);
    const { compiled } = await this.compiled(art);
    return createInstance(art, compiled, spec, this.limits);
  }

  /** Load, compile and fill pools ahead of traffic. */
  async prepare(spec: FunctionSpec): Promise<void> {
    const art = await this.artifact(spec.artifactDir);
    await this.compiled(art);
    await this.state(spec).pool?.refill();
  }

  /** Forget a function's instances (config changed, function deleted). */
  evict(name: string): void {
    this.functions.get(name)?.pool?.close();
    this.functions.delete(name);
  }

  async invoke(spec: FunctionSpec, req: InvokeRequest): Promise<InvokeResult> {
    const t0 = performance.now();
    const art = await this.artifact(spec.artifactDir);
    const shape = art.meta.shape;
    const st = this.state(spec);
    const reuse = spec.reuse && shape === 'http';

    let tier: Tier;
    let inst: GuestInstance | undefined;
    if (reuse && st.hot && !st.hot.poisoned) {
      [inst, st.hot, tier] = [st.hot, undefined, 'hot'];
    } else if ((inst = st.pool?.take())) {
      tier = 'prewarmed';
    }
    const result: InvokeResult = { tier: 'cold', shape, logs: [], logsTruncated: false, durationMs: 0 };
    try {
      if (!inst) {
        const { compiled, cold } = await this.compiled(art);
        tier = cold ? 'cold' : 'warm';
        inst = createInstance(art, compiled, spec, this.limits);
      }
      result.tier = tier!;
      const out = runInvocation(shape, inst, spec, req, this.limits);
      if ('code' in out) result.error = out;
      else result.response = out;
    } catch (e) {
      if (inst) inst.poisoned = true;
      result.error = classifyGuestError(e);
    }
    if (inst) collectLogs(inst, shape, result);
    if (reuse && inst && !inst.poisoned && !result.error && !st.hot && this.functions.get(spec.name) === st) st.hot = inst;
    result.durationMs = performance.now() - t0;
    return result;
  }

  close(): void {
    for (const st of this.functions.values()) st.pool?.close();
    this.functions.clear();
  }
}

const dec = new TextDecoder();

function collectLogs(inst: GuestInstance, shape: string, result: InvokeResult): void {
  const { stdout, stderr } = inst.wasi.ctx;
  const streams = shape === 'http' ? [stdout, stderr] : [stderr];
  for (const s of streams) {
    if (s.length === 0) continue;
    const text = dec.decode(s.bytes());
    result.logs.push(...text.split('\n').filter((l, i, all) => l !== '' || i < all.length - 1));
    if (s.overflowed) result.logsTruncated = true;
  }
}

export { errors };
