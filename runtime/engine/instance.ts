// One guest instance: its own WASI world, its own limits, its own component instance over
// compiled modules shared by every instance of the artifact. Commands built from a plain
// preview1 module (art.mode 'preview1') skip the component: one core instance on Wisp's own
// preview1 host (runtime/wasi/preview1, docs/runtime.md).

import { createWasiHost } from '../wasi/index.js';
import { lowerScalarImports } from '../wasi/direct.js';
import type { EnvList } from '../wasi/env.js';
import type { ByteSink } from '../wasi/sink.js';
import { InstanceLimits, MemoryLimitExceeded } from './limits.js';
import { SnapshotMemories } from './snapshot.js';
import type { LoadedArtifact } from './loader.js';
import { createPreview1Instance } from './preview1-instance.js';
import type { SpeculativeRun } from './speculation.js';
import type { CompiledArtifact } from './module-cache.js';
import type { FunctionSpec } from './types.js';

/** Per-invocation caps on what the host buffers for a guest. */
export interface IoLimits {
  responseBytes: number;
  logBytes: number;
}

/** What the engine needs of an instance's WASI state, whichever host it is. */
export interface GuestIo {
  stdout: ByteSink;
  stderr: ByteSink;
  responseOverflowed: boolean;
  begin(stdin: Uint8Array, env: Record<string, string> | EnvList): void;
}

export interface GuestInstance {
  wasi: { ctx: GuestIo };
  limits: InstanceLimits;
  /** Component exports (jco glue); empty on the preview1 path. */
  exports: Record<string, unknown>;
  /** preview1 path: the module's `_start`. */
  start?: () => void;
  /** Set once the instance trapped or exited: it must never run again. */
  poisoned: boolean;
  invocations: number;
  /** preview1 on a pooled memory: gives the memory (and instance) back; releaseInstance(). */
  release?: ((inst: GuestInstance) => void) | undefined;
}

const MiB = 1024 * 1024;

export function createInstance(
  art: LoadedArtifact,
  compiled: CompiledArtifact,
  spec: FunctionSpec,
  io: IoLimits,
  /** Only for speculative runs, which only preview1 artifacts make (speculation.ts). */
  run?: SpeculativeRun,
): GuestInstance {
  let inst: GuestInstance;
  let limits: InstanceLimits;
  if (art.mode === 'preview1') {
    inst = createPreview1Instance(art, compiled, spec, io, run);
    limits = inst.limits;
  } else {
    limits = new InstanceLimits(spec.memoryMB * MiB, spec.fuel);
    const wasi = createWasiHost({
      env: spec.env,
      args: [spec.name],
      stdoutLimit: art.meta.shape === 'command' ? io.responseBytes : io.logBytes,
      stderrLimit: io.logBytes,
      stdoutIsResponse: art.meta.shape === 'command',
      responseLimit: io.responseBytes,
    });
    const limitImports = limits.imports();
    const getCoreModule = (file: string) => {
      const m = compiled.modules.get(file);
      if (!m) throw new Error(`artifact ${art.dir} has no core module ${file}`);
      return m;
    };
    const memories = new SnapshotMemories(art.meta.snapshots, compiled.modules);
    const exports = art.instantiate(getCoreModule, wasi.imports, (module, imports) => {
      const all = { ...lowerScalarImports(imports ?? {}, wasi.imports), ...limitImports, ...memories.importsFor(module) };
      const instance = new WebAssembly.Instance(module, all);
      limits.track(instance, all);
      return instance;
    });
    inst = { wasi, limits, exports: memories.exports(exports, spec.reuse), poisoned: false, invocations: 0 };
  }
  const atStart = limits.memoryBytes();
  if (atStart > limits.memoryCapBytes) {
    throw new MemoryLimitExceeded(
      `the function needs ${(atStart / MiB).toFixed(1)} MiB of memory at start, more than its ${spec.memoryMB} MiB limit`,
    );
  }
  return inst;
}
