// An instance on the preview1 fast path (docs/runtime.md): one core instance of the command's
// module on its own preview1 host. A module that imports its memory (compiler/memory-import.ts)
// borrows one from the module's pool and gives it back when the engine releases the instance;
// a resettable one (compiler/instance-reset.ts) borrows the memory together with the core
// instance that last ran on it, reset to its initial state (memory-pool.ts).

import { PREVIEW1_FILE } from '../../compiler/artifact.js';
import { MEMORY_IMPORT } from '../../compiler/memory-import.js';
import { PREVIEW1_MODULE, Preview1Host, linkPreview1 } from '../wasi/preview1/index.js';
import type { GuestInstance, IoLimits } from './instance.js';
import { InstanceLimits, limitFunctions } from './limits.js';
import type { LoadedArtifact } from './loader.js';
import { memoryPoolOf, type Slot } from './memory-pool.js';
import { abandon, meter, type SpeculativeRun } from './speculation.js';
import type { CompiledArtifact } from './module-cache.js';
import type { FunctionSpec } from './types.js';

const MiB = 1024 * 1024;

const NO_EXPORTS: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>;

/** Whom a module's shared imports serve: the instance of it that runs now on this thread. */
class Current {
  /** Outside any entry there is no memory to reach (every pointer call fails with EFAULT), no
   *  fuel and no room to grow; and nothing of the last instance is kept alive. */
  static readonly IDLE_HOST = new Preview1Host({ args: [], env: {}, stdoutLimit: 0, stderrLimit: 0 });
  /** Made on first use: a WebAssembly.Global cannot be made while the startup snapshot is
   *  built (no WebAssembly there), and this module is evaluated into it. */
  private static idleLimits: InstanceLimits | undefined;
  static get IDLE_LIMITS(): InstanceLimits {
    return (Current.idleLimits ??= new InstanceLimits(0, 0));
  }
  host: Preview1Host = Current.IDLE_HOST;
  limits: InstanceLimits = Current.IDLE_LIMITS;
  run: SpeculativeRun | undefined;

  enter(host: Preview1Host, limits: InstanceLimits, run: SpeculativeRun | undefined): void {
    this.host = host;
    this.limits = limits;
    this.run = run;
  }

  leave(): void {
    this.host = Current.IDLE_HOST;
    this.limits = Current.IDLE_LIMITS;
    this.run = undefined;
  }
}

/**
 * Every instance of a module links the same functions, which find the running instance's host
 * and limits in `current` (set around each entry: instantiation and `_start`; a preview1 guest
 * runs synchronously, so one instance per thread runs at a time). Why not functions bound to
 * each instance: V8 keeps every instance made on a pooled memory in that memory's instance
 * list, which a scavenge treats as strong, so whatever the instance's imports reach is copied
 * and promoted with it — per-instance closures, the host and the request's environment were
 * ~4 KB of the ~5 KB promoted per hello-c request (docs/bench.md, 5b).
 */
interface SharedLink {
  current: Current;
  /** The fuel counter (`wisp:fuel.remaining`): a WebAssembly.Global is an object and an
   *  8-byte ArrayBuffer with its own backing store, per instance otherwise. */
  fuel: WebAssembly.Global;
  /** The imports without a lent memory, and with each lent memory (a pool lends at most a
   *  few): the import object itself is made once, not per instance. */
  imports: WebAssembly.Imports;
  withMemory: WeakMap<WebAssembly.Memory, WebAssembly.Imports>;
}

/** Per compiled module, per thread (a module object belongs to the thread that compiled it). */
const links = new WeakMap<WebAssembly.Module, SharedLink>();

function sharedLink(module: WebAssembly.Module): SharedLink {
  let link = links.get(module);
  if (!link) {
    const current = new Current();
    const fuel = new WebAssembly.Global({ value: 'i64', mutable: true }, 0n);
    const imports: WebAssembly.Imports = {
      'wisp:fuel': { remaining: fuel, exhausted: () => current.limits.exhausted() },
      'wisp:limits': limitFunctions(current),
      // Metered only while a speculative run is current (meter() reads it at call time).
      [PREVIEW1_MODULE]: linkPreview1(module, current, (name, f) => meter(name, f, current)),
    };
    link = { current, fuel, imports, withMemory: new WeakMap() };
    links.set(module, link);
  }
  return link;
}

function importsLending(link: SharedLink, memory: WebAssembly.Memory): WebAssembly.Imports {
  let imports = link.withMemory.get(memory);
  if (!imports) link.withMemory.set(memory, (imports = { ...link.imports, [MEMORY_IMPORT.module]: { [MEMORY_IMPORT.name]: memory } }));
  return imports;
}

/**
 * What a recycled instance runs with, kept with its slot: the host, the limits and the entry
 * into `_start`, made once and set up again for each invocation instead of anew (with their
 * sinks, a Set and four closures they were ~1 KB of garbage per hello-c request). Only while the
 * slot keeps the same instance and serves the same function (a module can serve several).
 */
interface SlotState {
  instance: WebAssembly.Instance;
  fn: string;
  host: Preview1Host;
  limits: InstanceLimits;
  wasi: { ctx: Preview1Host };
  /** The run of the invocation that holds the slot now. */
  run: SpeculativeRun | undefined;
  start: (() => void) | undefined;
  release: (inst: GuestInstance) => void;
}

const slotStates = new WeakMap<Slot, SlotState>();

/** A host for `spec`'s invocations; `current` answers whether a sleep must be refused. */
function newHost(spec: FunctionSpec, io: IoLimits, current: Current): Preview1Host {
  return new Preview1Host({
    args: [spec.name],
    env: spec.env,
    stdoutLimit: io.responseBytes,
    stderrLimit: io.logBytes,
    stdoutIsResponse: true,
    // Only a speculative run must not sleep (the calling thread's loop would stop).
    onWouldBlock: () => {
      const run = current.run;
      if (run) abandon(run, 'the guest would sleep');
      return run !== undefined;
    },
  });
}

/** The start entry: `_start` with the instance's host and limits as `current`'s. */
function entry(guestStart: (() => void) | undefined, current: Current, st: { host: Preview1Host; limits: InstanceLimits; run: SpeculativeRun | undefined }) {
  return (
    guestStart &&
    (() => {
      current.enter(st.host, st.limits, st.run);
      try {
        guestStart();
      } finally {
        current.leave();
      }
    })
  );
}

export function createPreview1Instance(
  art: LoadedArtifact,
  compiled: CompiledArtifact,
  spec: FunctionSpec,
  io: IoLimits,
  /** A speculative run (speculation.ts): host calls metered, never sleeps. */
  run?: SpeculativeRun,
): GuestInstance {
  const module = compiled.modules.get(PREVIEW1_FILE);
  if (!module) throw new Error(`artifact ${art.dir} has no core module ${PREVIEW1_FILE}`);
  const link = sharedLink(module);
  const { current } = link;
  const pool = memoryPoolOf(module);
  const slot = pool?.take();
  const kept = slot?.instance && slotStates.get(slot);
  if (kept && kept.instance === slot.instance && kept.fn === spec.name && kept.host.config.stdoutLimit === io.responseBytes && kept.host.config.stderrLimit === io.logBytes) {
    return reuse(kept, slot.memory, spec, run);
  }
  const limits = new InstanceLimits(spec.memoryMB * MiB, spec.fuel, link.fuel);
  const host = newHost(spec, io, current);
  limits.speculation = run;
  let instance = slot?.instance;
  if (!instance) {
    // A start function would run inside the constructor: it gets this instance's host too.
    current.enter(host, limits, run);
    try {
      // If this throws, the slot is simply dropped: its memory may hold part of the data segments.
      instance = new WebAssembly.Instance(module, slot ? importsLending(link, slot.memory) : link.imports);
    } finally {
      current.leave();
    }
    if (slot) pool!.adopt(slot, instance);
  }
  const memory = slot?.memory ?? (instance.exports.memory as WebAssembly.Memory);
  host.bind(memory);
  limits.memories.add(memory);
  const guestStart = instance.exports._start as (() => void) | undefined;
  if (slot?.instance) {
    // Recycled from now on: the state stays with the slot for the next invocations.
    const st: SlotState = {
      instance: slot.instance,
      fn: spec.name,
      host,
      limits,
      wasi: { ctx: host },
      run,
      start: undefined,
      release: (inst) => {
        // Nothing may reach this memory through the old GuestInstance once another one owns it.
        inst.start = undefined;
        inst.poisoned = true;
        host.end();
        limits.speculation = st.run = undefined;
        pool!.give(slot);
      },
    };
    st.start = entry(guestStart, current, st);
    slotStates.set(slot, st);
    return { wasi: st.wasi, limits, exports: NO_EXPORTS, start: st.start, poisoned: false, invocations: 0, release: st.release };
  }
  const inst: GuestInstance = { wasi: { ctx: host }, limits, exports: NO_EXPORTS, start: entry(guestStart, current, { host, limits, run }), poisoned: false, invocations: 0 };
  if (pool && slot) {
    inst.release = () => {
      inst.start = undefined;
      inst.poisoned = true;
      host.end();
      limits.memories.delete(memory);
      limits.speculation = undefined;
      pool.give(slot);
    };
  }
  return inst;
}

/** The slot's instance again, with its kept host and limits set up for this invocation. */
function reuse(st: SlotState, memory: WebAssembly.Memory, spec: FunctionSpec, run: SpeculativeRun | undefined): GuestInstance {
  st.host.bind(memory);
  st.limits.memoryCapBytes = spec.memoryMB * MiB;
  st.limits.speculation = st.run = run;
  return { wasi: st.wasi, limits: st.limits, exports: NO_EXPORTS, start: st.start, poisoned: false, invocations: 0, release: st.release };
}

/** The instance will never run again (a command after its one run): return what it borrowed. */
export function releaseInstance(inst: GuestInstance): void {
  const release = inst.release;
  if (!release) return;
  inst.release = undefined;
  release(inst);
}
