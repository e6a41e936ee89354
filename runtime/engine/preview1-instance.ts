// An instance on the preview1 fast path (docs/runtime.md): one core instance of the command's
// module on its own preview1 host. A module that imports its memory (compiler/memory-import.ts)
// borrows one from the module's pool and gives it back when the engine releases the instance.

import { PREVIEW1_FILE } from '../../compiler/artifact.js';
import { MEMORY_IMPORT } from '../../compiler/memory-import.js';
import { PREVIEW1_MODULE, Preview1Host, linkPreview1 } from '../wasi/preview1/index.js';
import type { GuestInstance, IoLimits } from './instance.js';
import type { InstanceLimits } from './limits.js';
import type { LoadedArtifact } from './loader.js';
import { memoryPoolOf } from './memory-pool.js';
import { abandon, meter, type SpeculativeRun } from './speculation.js';
import type { CompiledArtifact } from './module-cache.js';
import type { FunctionSpec } from './types.js';

const NO_EXPORTS: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>;

/** Instances holding a pooled memory: how to give it back. */
const borrowed = new WeakMap<GuestInstance, () => void>();

export function createPreview1Instance(
  art: LoadedArtifact,
  compiled: CompiledArtifact,
  spec: FunctionSpec,
  io: IoLimits,
  limits: InstanceLimits,
  /** A speculative run (speculation.ts): host calls metered, never sleeps. */
  run?: SpeculativeRun,
): GuestInstance {
  const module = compiled.modules.get(PREVIEW1_FILE);
  if (!module) throw new Error(`artifact ${art.dir} has no core module ${PREVIEW1_FILE}`);
  const host = new Preview1Host({
    args: [spec.name],
    env: spec.env,
    stdoutLimit: io.responseBytes,
    stderrLimit: io.logBytes,
    stdoutIsResponse: true,
    ...(run ? { onWouldBlock: () => abandon(run, 'the guest would sleep') } : {}),
  });
  limits.speculation = run;
  const imports = limits.imports();
  imports[PREVIEW1_MODULE] = linkPreview1(module, host, run && ((name, f) => meter(name, f, run)));
  const pool = memoryPoolOf(module);
  const lent = pool?.take();
  if (lent) imports[MEMORY_IMPORT.module] = { [MEMORY_IMPORT.name]: lent };
  // If this throws, the lent memory is simply dropped: it may hold part of the data segments.
  const instance = new WebAssembly.Instance(module, imports);
  const memory = lent ?? (instance.exports.memory as WebAssembly.Memory);
  host.bind(memory);
  limits.memories.add(memory);
  const inst: GuestInstance = { wasi: { ctx: host }, limits, exports: NO_EXPORTS, start: instance.exports._start as () => void, poisoned: false, invocations: 0 };
  if (pool && lent) {
    borrowed.set(inst, () => {
      // Nothing may reach this memory through the old instance once another one owns it.
      inst.start = undefined;
      inst.poisoned = true;
      host.bind(undefined);
      limits.memories.delete(lent);
      pool.give(lent);
    });
  }
  return inst;
}

/** The instance will never run again (a command after its one run): return what it borrowed. */
export function releaseInstance(inst: GuestInstance): void {
  const giveBack = borrowed.get(inst);
  if (!giveBack) return;
  borrowed.delete(inst);
  giveBack();
}
