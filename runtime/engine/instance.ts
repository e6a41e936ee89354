// One guest instance: its own WASI world, its own limits, its own component instance over
// compiled modules shared by every instance of the artifact. Commands built from a plain
// preview1 module (art.mode 'preview1') skip the component: one core instance on Wisp's own
// preview1 host (runtime/wasi/preview1, docs/runtime.md).

import { PREVIEW1_FILE } from '../../compiler/artifact.js';
import { createWasiHost } from '../wasi/index.js';
import type { ByteSink } from '../wasi/sink.js';
import { PREVIEW1_MODULE, Preview1Host, importAliases, type Preview1Imports } from '../wasi/preview1/index.js';
import { InstanceLimits, MemoryLimitExceeded } from './limits.js';
import type { LoadedArtifact } from './loader.js';
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
  begin(stdin: Uint8Array, env: Record<string, string>): void;
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
}

const MiB = 1024 * 1024;

/** Per compiled module: its renamed duplicate preview1 imports (`fd_write [v2]`), usually none. */
const aliasCache = new WeakMap<WebAssembly.Module, [string, string][]>();

function preview1Namespace(module: WebAssembly.Module, imports: Preview1Imports): Preview1Imports {
  let aliases = aliasCache.get(module);
  if (!aliases) aliasCache.set(module, (aliases = importAliases(module)));
  if (aliases.length === 0) return imports;
  const ns = { ...imports };
  for (const [alias, name] of aliases) ns[alias] = imports[name]!;
  return ns;
}
const NO_EXPORTS: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>;

export function createInstance(
  art: LoadedArtifact,
  compiled: CompiledArtifact,
  spec: FunctionSpec,
  io: IoLimits,
): GuestInstance {
  const limits = new InstanceLimits(spec.memoryMB * MiB, spec.fuel);
  let inst: GuestInstance;
  if (art.mode === 'preview1') {
    const module = compiled.modules.get(PREVIEW1_FILE);
    if (!module) throw new Error(`artifact ${art.dir} has no core module ${PREVIEW1_FILE}`);
    const host = new Preview1Host({
      args: [spec.name],
      env: spec.env,
      stdoutLimit: io.responseBytes,
      stderrLimit: io.logBytes,
      stdoutIsResponse: true,
    });
    const imports = limits.imports();
    imports[PREVIEW1_MODULE] = preview1Namespace(module, host.imports);
    const instance = new WebAssembly.Instance(module, imports);
    const memory = instance.exports.memory as WebAssembly.Memory;
    host.bind(memory);
    limits.memories.add(memory);
    inst = { wasi: { ctx: host }, limits, exports: NO_EXPORTS, start: instance.exports._start as () => void, poisoned: false, invocations: 0 };
  } else {
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
    const exports = art.instantiate(getCoreModule, wasi.imports, (module, imports) => {
      const all = { ...imports, ...limitImports };
      const instance = new WebAssembly.Instance(module, all);
      limits.track(instance, all);
      return instance;
    });
    inst = { wasi, limits, exports, poisoned: false, invocations: 0 };
  }
  const atStart = limits.memoryBytes();
  if (atStart > limits.memoryCapBytes) {
    throw new MemoryLimitExceeded(
      `the function needs ${(atStart / MiB).toFixed(1)} MiB of memory at start, more than its ${spec.memoryMB} MiB limit`,
    );
  }
  return inst;
}
