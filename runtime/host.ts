// Assembling one host process: registry (SQLite + artifact store in the data dir), engine,
// invoker, async dispatcher, and one HTTP listener for the data plane (/fn), the control plane
// (Lambda API) and health.

import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readMeta } from '../compiler/artifact.js';
import { mountControlPlane } from './api/routes.js';
import { parseKeys, resolveKeys } from './api/auth.js';
import { Engine, type EngineOptions, type Isolation } from './engine/engine.js';
import { likelyNeedsWorker } from './engine/speculation.js';
import { startWorkerEarly } from './engine/worker/early.js';
import { ManifestFunctions } from './functions/manifest.js';
import { createApp } from './http/app.js';
import { StreamLog, type InvocationLog } from './http/log.js';
import { listen, type RunningServer } from './http/server.js';
import { Invoker, type Resolver } from './invoke/invoker.js';
import { createMonitoring, type Monitoring } from './monitoring/index.js';
import { LogStore, TeeLog } from './monitoring/logs.js';
import { startCheckpointer } from './registry/checkpointer.js';
import { openDb } from './registry/db.js';
import { EventQueue } from './registry/events.js';
import { Registry } from './registry/registry.js';
import { mountAsyncApi } from './api/async-routes.js';
import { AsyncConfigs } from './registry/async-config.js';
import { Triggers } from './registry/triggers.js';
import { Delivery } from './scheduler/delivery.js';
import { Dispatcher, type DispatcherOptions } from './scheduler/dispatcher.js';
import { TriggerRunner } from './scheduler/trigger-runner.js';

export interface HostOptions {
  port?: number;
  /** Loopback by default: nothing is exposed unless asked for. */
  host?: string;
  /** Registry database and artifacts (default $WISP_DATA_DIR or ./.wisp). */
  dataDir?: string;
  /** Build cache and artifact store, if not the data dir (tests share one across hosts). */
  cacheDir?: string;
  /** A functions.json directory whose functions are deployed into the registry when absent. */
  functionsDir?: string;
  /** Control-plane keys (default $WISP_ACCESS_KEYS, else test/test on loopback only). */
  accessKeys?: Record<string, string>;
  /** Serve functions from elsewhere than the registry (benchmarks). */
  resolver?: Resolver;
  log?: InvocationLog;
  engine?: EngineOptions;
  dispatcher?: Pick<DispatcherOptions, 'retryBaseMs' | 'pollMs' | 'maxConcurrent'>;
  /** How often schedules and log subscriptions are checked (default 1 s, $WISP_TRIGGER_INTERVAL_MS). */
  triggerIntervalMs?: number;
  onProgress?: (line: string) => void;
}

export interface Host extends RunningServer {
  engine: Engine;
  registry: Registry;
  invoker: Invoker;
  queue: EventQueue;
  dispatcher: Dispatcher;
  triggers: Triggers;
  asyncConfigs: AsyncConfigs;
  runner: TriggerRunner;
  logs: LogStore;
  monitoring: Monitoring;
  dataDir: string;
}

/**
 * Where guests run: 'auto' unless $WISP_ISOLATION says 'worker' (every guest in a worker thread)
 * or 'inline' (every guest on the main thread: no wall-clock limit). runtime/engine/engine.ts.
 */
function isolationFromEnv(): Isolation {
  const v = process.env.WISP_ISOLATION;
  if (v === undefined || v === '') return 'auto';
  if (v === 'auto' || v === 'worker' || v === 'inline') return v;
  throw new Error(`WISP_ISOLATION must be auto, worker or inline, got '${v}'`);
}

/** Scratch older than this is surely abandoned (a build in progress renames well before). */
const SCRATCH_TTL_MS = 30 * 60 * 1000;

function sweepScratch(dataDir: string, cacheDir: string): void {
  rmSync(join(dataDir, 'uploads'), { recursive: true, force: true });
  // The artifact store may be shared with other hosts: only old leftovers are removed.
  const artifacts = join(cacheDir, 'artifacts');
  if (!existsSync(artifacts)) return;
  for (const d of readdirSync(artifacts)) {
    const p = join(artifacts, d);
    if (d.endsWith('.tmp') && Date.now() - statSync(p).mtimeMs > SCRATCH_TTL_MS) rmSync(p, { recursive: true, force: true });
  }
}

/** Deploy the manifest's functions that the registry does not have yet. */
async function seed(registry: Registry, functionsDir: string, cacheDir: string, onProgress?: (l: string) => void): Promise<string[]> {
  // A restart finds every function in the registry: nothing is hashed or built.
  const manifest = await ManifestFunctions.load(resolve(functionsDir), { cacheDir, onProgress, want: (n) => !registry.exists(n) });
  const created: string[] = [];
  for (const spec of manifest.list()) {
    const meta = await readMeta(spec.artifactDir);
    registry.create(
      spec.name,
      { runtime: meta.lang, memoryMB: spec.memoryMB, timeoutMs: spec.timeoutMs, env: spec.env, fuel: spec.fuel, reuse: spec.reuse, prewarm: spec.prewarm },
      { artifactDir: spec.artifactDir, sha256: Buffer.from(meta.hash, 'hex').toString('base64'), size: meta.componentBytes, shape: meta.shape },
    );
    created.push(spec.name);
  }
  return created;
}

export async function startHost(opts: HostOptions = {}): Promise<Host> {
  const bind = opts.host ?? '127.0.0.1';
  // Refuse an exposed host with default credentials before touching anything.
  const keys = resolveKeys(bind, opts.accessKeys ?? parseKeys(process.env.WISP_ACCESS_KEYS));
  const dataDir = resolve(opts.dataDir ?? process.env.WISP_DATA_DIR ?? '.wisp');
  const cacheDir = resolve(opts.cacheDir ?? dataDir);
  mkdirSync(dataDir, { recursive: true });
  // A deploy killed mid-way leaves only scratch files (the registry never pointed at them).
  sweepScratch(dataDir, cacheDir);
  const db = openDb(join(dataDir, 'registry.db'));
  const registry = new Registry(db);
  const isolation = opts.engine?.isolation ?? isolationFromEnv();
  if (isolation !== 'inline' && !opts.resolver) {
    const configs = registry.listConfigs();
    // An empty registry is about to be seeded: its functions are unknown, the build is long anyway.
    if (isolation === 'worker' || configs.length === 0 || configs.some(likelyNeedsWorker)) startWorkerEarly();
  }
  const queue = new EventQueue(db);
  try {
    if (opts.functionsDir) await seed(registry, opts.functionsDir, cacheDir, opts.onProgress);
  } catch (e) {
    db.close();
    throw e;
  }

  const engine = new Engine({ ...opts.engine, isolation });
  // The registry's Resolved is a Resolution (spec, reserved concurrency), kept until a write.
  const resolver: Resolver = opts.resolver ?? { resolve: (name, qualifier) => registry.resolve(name, qualifier) };
  const telemetryDb = openDb(join(dataDir, 'registry.db'), { synchronous: 'NORMAL' });
  // Telemetry commits every 20 ms under load: its WAL checkpoints run on a thread of their own.
  const checkpointer = startCheckpointer(telemetryDb);
  const logs = new LogStore(telemetryDb);
  // Right after a flush: the thread's checkpoint then has the ~20 ms until the next one to
  // copy everything, and the next flush starts the log over (a checkpoint overlapping commits
  // never catches up, and the log only grows).
  logs.onWritten = () => checkpointer.committed();
  // The invoker reports to monitoring through this late-bound tee (monitoring needs the invoker).
  const consoleLog = opts.log ? undefined : new StreamLog();
  const tee = new TeeLog([logs, opts.log ?? consoleLog!]);
  const invoker = new Invoker(engine, resolver, tee);
  const monitoring = createMonitoring({ db: telemetryDb, registry, invoker, logs, keys });
  tee.add(monitoring);
  invoker.onThrottle = (fn, version) => monitoring.throttled(fn, version);
  const configs = new AsyncConfigs(db);
  const triggers = new Triggers(db, (n) => registry.exists(n));
  const delivery = new Delivery(queue, configs, (fn) => monitoring.deadLettered(fn));
  const retryBase = Number(process.env.WISP_RETRY_BASE_MS) || undefined;
  const dispatcher = new Dispatcher({ queue, invoker, retryBaseMs: retryBase, policy: delivery.policy, finish: delivery.finish, ...opts.dispatcher });
  const runner = new TriggerRunner({
    triggers,
    queue,
    logs,
    kick: () => dispatcher.kick(),
    intervalMs: opts.triggerIntervalMs ?? (Number(process.env.WISP_TRIGGER_INTERVAL_MS) || undefined),
  });

  const prewarm = (name: string) => {
    if (!registry.exists(name)) return;
    const spec = registry.get(name)!;
    if (spec.prewarm > 0) void engine.prepare(spec).catch((e) => console.error(`wisp: prewarming ${name}:`, e));
  };
  const app = createApp({
    invoker,
    mount: (a) =>
      mountControlPlane(a, {
        registry,
        invoker,
        queue,
        cacheDir,
        uploadsDir: join(dataDir, 'uploads'),
        keys,
        onChange: (name) => {
          engine.evict(name);
          prewarm(name);
        },
        onEnqueue: () => dispatcher.kick(),
        logs,
        monitoring,
        extra: (a2) => mountAsyncApi(a2, { registry, configs, triggers, logs }),
      }),
  });
  // Fill pre-warmed pools before taking traffic; other functions start cold on first use.
  const specs = opts.resolver ? [] : registry.list();
  await Promise.all(specs.filter((s) => s.prewarm > 0).map((s) => engine.prepare(s)));
  const server = await listen(app, opts.port ?? 8080, bind);
  dispatcher.start();
  runner.start();
  return {
    ...server,
    engine,
    registry,
    invoker,
    queue,
    dispatcher,
    triggers,
    asyncConfigs: configs,
    runner,
    logs,
    monitoring,
    dataDir,
    close: async () => {
      runner.stop();
      await server.close();
      await dispatcher.stop();
      await monitoring.close();
      await engine.close();
      logs.flush();
      consoleLog?.flush();
      await checkpointer.close();
      telemetryDb.close();
      db.close();
    },
  };
}
