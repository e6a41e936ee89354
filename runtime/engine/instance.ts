// One guest instance: its own WASI world, its own limits, its own component instance over
// compiled modules shared by every instance of the artifact.

import { createWasiHost, type WasiHost } from '../wasi/index.js';
import { InstanceLimits, MemoryLimitExceeded } from './limits.js';
import type { LoadedArtifact } from './loader.js';
import type { CompiledArtifact } from './module-cache.js';
import type { FunctionSpec } from './types.js';

/** Per-invocation caps on what the host buffers for a guest. */
export interface IoLimits {
  responseBytes: number;
  logBytes: number;
}

export interface GuestInstance {
  wasi: WasiHost;
  limits: InstanceLimits;
  exports: Record<string, unknown>;
  /** Set once the instance trapped or exited: it must never run again. */
  poisoned: boolean;
  invocations: number;
}

const MiB = 1024 * 1024;

export function createInstance(
  art: LoadedArtifact,
  compiled: CompiledArtifact,
  spec: FunctionSpec,
  io: IoLimits,
): GuestInstance {
  const wasi = createWasiHost({
    env: spec.env,
    args: [spec.name],
    stdoutLimit: art.meta.shape === 'command' ? io.responseBytes : io.logBytes,
    stderrLimit: io.logBytes,
    stdoutIsResponse: art.meta.shape === 'command',
    responseLimit: io.responseBytes,
  });
  const limits = new InstanceLimits(spec.memoryMB * MiB, spec.fuel);
  const limitImports = limits.imports();
  const getCoreModule = (file: string) => {
    const m = compiled.modules.get(file);
    if (!m) throw new Error(`artifact ${art.dir} has no core module ${file}`);
    return m;
  };
  const exports = art.instantiate(getCoreModule, wasi.imports, (module, imports) => {
    const all = { ...imports, ...limitImports };
    const instance = new WebAssembly.Instance(module, all);
    limits.track(instance, all);
    return instance;
  });
  const atStart = limits.memoryBytes();
  if (atStart > limits.memoryCapBytes) {
    throw new MemoryLimitExceeded(
      `the function needs ${(atStart / MiB).toFixed(1)} MiB of memory at start, more than its ${spec.memoryMB} MiB limit`,
    );
  }
  return { wasi, limits, exports, poisoned: false, invocations: 0 };
}
