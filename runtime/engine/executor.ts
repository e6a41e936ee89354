// Runs invocations on the current thread: picks the cheapest ready instance (hot, pre-warmed,
// or a new one over compiled modules), runs it, and classifies what went wrong. One executor
// lives in each worker thread; the main thread can host one too (inline mode).

import { classifyGuestError } from './errors.js';
import { FuelExhausted } from './limits.js';
import { createInstance, type GuestInstance, type IoLimits } from './instance.js';
import type { LoadedArtifact } from './loader.js';
import type { CompiledArtifact } from './module-cache.js';
import { InstancePool } from './pool.js';
import { releaseInstance } from './preview1-instance.js';
import { abandon, newRun, SLICE_FUEL, type SpeculativeRun } from './speculation.js';
import { commandOutput, runInvocation } from './run.js';
import { GuestExit } from '../wasi/index.js';
import type { FunctionSpec, InvokeRequest, InvokeResult, Tier } from './types.js';

/** One function version's slot: versions of a function keep separate instances and pools. */
export const slotOf = (spec: { name: string; version: string }) => `${spec.name}@${spec.version}`;

/** Instances and pools belong to one configuration of one function version: this one. Kept as
 *  fields so that each invocation compares instead of serializing the spec. */
interface Config {
  name: string;
  version: string;
  artifactDir: string;
  memoryMB: number;
  fuel: number;
  /** The env as [k0, v0, k1, v1, ...]: order matters (it is the guest's environ order). */
  env: string[];
}

function configOf(spec: FunctionSpec): Config {
  const env: string[] = [];
  for (const k in spec.env) env.push(k, spec.env[k]!);
  return { name: spec.name, version: spec.version, artifactDir: spec.artifactDir, memoryMB: spec.memoryMB, fuel: spec.fuel, env };
}

/** `spec` asks for the configuration `a` describes. */
function sameConfig(a: Config, spec: FunctionSpec): boolean {
  if (a.name !== spec.name || a.version !== spec.version || a.artifactDir !== spec.artifactDir) return false;
  if (!Object.is(a.memoryMB, spec.memoryMB) || !Object.is(a.fuel, spec.fuel)) return false;
  let i = 0;
  for (const k in spec.env) {
    if (a.env[i] !== k || a.env[i + 1] !== spec.env[k]) return false;
    i += 2;
  }
  return i === a.env.length;
}

interface FunctionState {
  config: Config;
  hot?: GuestInstance;
  pool?: InstancePool;
}

/** What an executor needs per artifact: the glue and the compiled modules. */
export interface ReadyArtifact {
  art: LoadedArtifact;
  compiled: CompiledArtifact;
}

export interface ExecutorStats {
  functions: number;
  hot: number;
  pooled: number;
  artifacts: number;
}

export class Executor {
  private artifacts = new Map<string, ReadyArtifact>();
  private functions = new Map<string, FunctionState>();

  constructor(
    readonly io: IoLimits,
    private readonly onBackgroundError: (e: unknown) => void,
  ) {}

  hasArtifact(dir: string): boolean {
    return this.artifacts.has(dir);
  }
  addArtifact(ready: ReadyArtifact): void {
    this.artifacts.set(ready.art.dir, ready);
  }
  dropArtifact(dir: string): void {
    this.artifacts.delete(dir);
    for (const [slot, st] of this.functions) {
      if (st.config.artifactDir !== dir) continue;
      st.pool?.close();
      this.functions.delete(slot);
    }
  }

  private ready(dir: string): ReadyArtifact {
    const r = this.artifacts.get(dir);
    if (!r) throw new Error(`artifact ${dir} is not loaded in this executor`);
    return r;
  }

  private state(spec: FunctionSpec): FunctionState {
    let st = this.functions.get(slotOf(spec));
    if (!st || !sameConfig(st.config, spec)) {
      st?.pool?.close();
      st = { config: configOf(spec) };
      this.functions.set(slotOf(spec), st);
    }
    if (spec.prewarm > 0 && !st.pool) {
      const { art, compiled } = this.ready(spec.artifactDir);
      st.pool = new InstancePool(spec.prewarm, async () => createInstance(art, compiled, spec, this.io), this.onBackgroundError);
    }
    return st;
  }

  /** Fill the function's pool now (startup, provisioning). */
  async prepare(spec: FunctionSpec): Promise<void> {
    await this.state(spec).pool?.refill();
  }

  /** Drop every version's instances of a function. */
  evict(name: string): void {
    for (const [slot, st] of this.functions) {
      if (!slot.startsWith(`${name}@`)) continue;
      st.pool?.close();
      this.functions.delete(slot);
    }
  }

  /** Which ready instances this executor holds for a function (dispatch affinity). */
  readiness(spec: FunctionSpec): { hot: boolean; pooled: number } {
    const st = this.functions.get(slotOf(spec));
    if (!st || !sameConfig(st.config, spec)) return { hot: false, pooled: 0 };
    return { hot: !!st.hot, pooled: st.pool?.available ?? 0 };
  }

  /** `cold`: the caller compiled the modules for this request. Runs synchronously. */
  invoke(spec: FunctionSpec, req: InvokeRequest, cold: boolean): InvokeResult {
    return this.run(spec, req, cold)!;
  }

  /**
   * A speculative run on a fresh instance (speculation.ts): the result, or undefined when the
   * run left its slice and the invocation must start over elsewhere with its full limits.
   */
  speculate(spec: FunctionSpec, req: InvokeRequest, cold: boolean): InvokeResult | undefined {
    return this.run(spec, req, cold, newRun());
  }

  private run(spec: FunctionSpec, req: InvokeRequest, cold: boolean, speculation?: SpeculativeRun): InvokeResult | undefined {
    const { art, compiled } = this.ready(spec.artifactDir);
    const shape = art.meta.shape;
    const st = this.state(spec);
    const reuse = spec.reuse && shape === 'http';
    const result: InvokeResult = { tier: cold ? 'cold' : 'warm', shape, logs: [], logsTruncated: false, durationMs: 0 };
    // A slice smaller than the function's own budget: running out of it is no answer.
    const sliced = speculation !== undefined && spec.fuel > SLICE_FUEL;

    let inst: GuestInstance | undefined;
    if (speculation) {
      // Always a fresh instance: hot and pooled ones belong to the non-speculative path.
    } else if (reuse && st.hot && !st.hot.poisoned) {
      [inst, st.hot, result.tier] = [st.hot, undefined, 'hot' as Tier];
    } else if ((inst = st.pool?.take())) {
      result.tier = 'prewarmed';
    }
    try {
      inst ??= createInstance(art, compiled, spec, this.io, speculation);
      inst.limits.begin(sliced ? SLICE_FUEL : spec.fuel);
      const out = runInvocation(shape, inst, spec, req, this.io);
      inst.limits.settle();
      if ('code' in out) result.error = out;
      else result.response = out;
    } catch (e) {
      inst?.limits.settle();
      if (inst) inst.poisoned = true;
      // The calling thread's stack is not a worker's (4 MiB): where the guest's recursion ends
      // must not depend on where it ran, so that answer comes from a worker.
      if (speculation && e instanceof RangeError) abandon(speculation, 'engine stack');
      if (e instanceof GuestExit && e.code === 0 && shape === 'command' && inst) {
        // exit(0) is a command's normal end (Go's runtime always ends this way): answer with its output.
        const out = commandOutputOrError(inst, this.io);
        if ('code' in out) result.error = out;
        else result.response = out;
      } else {
        result.error = classifyGuestError(e, inst?.limits, inst?.wasi.ctx.responseOverflowed, this.io.responseBytes);
      }
    }
    if (inst && speculation && (speculation.abandoned !== undefined || (sliced && inst.limits.overdrawn))) {
      inst.poisoned = true;
      releaseInstance(inst);
      return undefined;
    }
    if (inst) {
      // Charges after the last check can overdraw the budget slightly (docs/fuel.md): an
      // overdrawn invocation is exhausted, whatever the guest made of it.
      if (inst.limits.overdrawn) {
        inst.poisoned = true;
        result.error = classifyGuestError(new FuelExhausted());
        delete result.response;
      }
      collectLogs(inst, shape, result);
      // Guests that survive a refused grow (and answer themselves) still get told why.
      if (inst.limits.growDenied) {
        result.logs.push(`[wisp] memory.grow refused: the function's memory limit is ${spec.memoryMB} MiB`);
      }
      result.fuelUsed = inst.limits.fuelUsed;
      result.memoryBytes = inst.limits.memoryBytes();
      if (reuse && !inst.poisoned && !result.error && !st.hot && this.functions.get(slotOf(spec)) === st) st.hot = inst;
      // Everything the result needs is copied out of the guest by now.
      if (st.hot !== inst) releaseInstance(inst);
    }
    // durationMs: the engine times the whole invocation (queueing and the worker hop included).
    return result;
  }

  stats(): ExecutorStats {
    let hot = 0;
    let pooled = 0;
    for (const st of this.functions.values()) {
      if (st.hot) hot++;
      pooled += st.pool?.available ?? 0;
    }
    return { functions: this.functions.size, hot, pooled, artifacts: this.artifacts.size };
  }

  close(): void {
    for (const st of this.functions.values()) st.pool?.close();
    this.functions.clear();
    this.artifacts.clear();
  }
}

/** A command's output after exit(0); a malformed CGI answer is still the guest's error. */
function commandOutputOrError(inst: GuestInstance, io: IoLimits) {
  try {
    return commandOutput(inst, io);
  } catch (e) {
    return classifyGuestError(e);
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

