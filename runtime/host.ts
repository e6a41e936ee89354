// Assembling one host process: functions source + engine + HTTP app + listener.

import { resolve } from 'node:path';
import { Engine, type EngineOptions } from './engine/engine.js';
import { ManifestFunctions, type FunctionSource } from './functions/manifest.js';
import { createApp } from './http/app.js';
import { StreamLog, type InvocationLog } from './http/log.js';
import { listen, type RunningServer } from './http/server.js';

export interface HostOptions {
  port?: number;
  /** Loopback by default: nothing is exposed unless asked for. */
  host?: string;
  functionsDir?: string;
  /** Artifacts and caches (default ./.wisp). */
  dataDir?: string;
  functions?: FunctionSource;
  log?: InvocationLog;
  engine?: EngineOptions;
  onProgress?: (line: string) => void;
}

export interface Host extends RunningServer {
  engine: Engine;
  functions: FunctionSource;
}

export async function startHost(opts: HostOptions = {}): Promise<Host> {
  const dataDir = resolve(opts.dataDir ?? '.wisp');
  const functions =
    opts.functions ??
    (await ManifestFunctions.load(resolve(opts.functionsDir ?? 'examples'), { cacheDir: dataDir, onProgress: opts.onProgress }));
  const engine = new Engine(opts.engine);
  // Fill pre-warmed pools before taking traffic; other functions start cold on first use,
  // which is what "cold" means (and what a host with many functions can afford).
  await Promise.all(functions.list().filter((s) => s.prewarm > 0).map((spec) => engine.prepare(spec)));
  const app = createApp({ engine, functions, log: opts.log ?? new StreamLog() });
  const server = await listen(app, opts.port ?? 8080, opts.host ?? '127.0.0.1');
  return {
    ...server,
    engine,
    functions,
    close: async () => {
      await server.close();
      await engine.close();
    },
  };
}
