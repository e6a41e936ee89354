// One guest instance: its own WASI world and its own component instance over shared modules.

import { createWasiHost, type WasiHost } from '../wasi/index.js';
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
  exports: Record<string, unknown>;
  /** Set once the instance trapped or exited: it must never run again. */
  poisoned: boolean;
  invocations: number;
}

export function createInstance(
  art: LoadedArtifact,
  compiled: CompiledArtifact,
  spec: FunctionSpec,
  limits: IoLimits,
): GuestInstance {
  const wasi = createWasiHost({
    env: spec.env,
    args: [spec.name],
    stdoutLimit: art.meta.shape === 'command' ? limits.responseBytes : limits.logBytes,
    stderrLimit: limits.logBytes,
    responseLimit: limits.responseBytes,
  });
  const getCoreModule = (file: string) => {
    const m = compiled.modules.get(file);
    if (!m) throw new Error(`artifact ${art.dir} has no core module ${file}`);
    return m;
  };
  const exports = art.instantiate(getCoreModule, wasi.imports, (module, imports) => new WebAssembly.Instance(module, imports));
  return { wasi, exports, poisoned: false, invocations: 0 };
}
