// The monitoring seam of the host: what it is told about invocations, and what it serves.
// host.ts wires this once; metrics, alarms and the console live behind it.

import type { Hono, MiddlewareHandler } from 'hono';
import { mountConsole } from '../console/index.js';
import type { Env } from '../http/app.js';
import type { InvocationLog, InvocationRecord } from '../http/log.js';
import type { Invoker } from '../invoke/invoker.js';
import type { DB } from '../registry/db.js';
import type { Registry } from '../registry/registry.js';
import { AlarmManager, type AlarmOptions } from './alarms.js';
import type { LogStore } from './logs.js';
import { MetricsStore, type MetricsOptions } from './metrics.js';
import { mountMonitoringRoutes } from './routes.js';
import { migrateMonitoring } from './schema.js';

export interface MonitoringOptions {
  metrics?: MetricsOptions;
  alarms?: AlarmOptions;
  /** When set, GET /metrics wants `Authorization: Bearer <token>` (default $WISP_METRICS_TOKEN; unset: open). */
  metricsToken?: string;
}

export interface MonitoringDeps {
  db: DB;
  registry: Registry;
  invoker: Invoker;
  logs: LogStore;
  /** The control-plane access keys (id -> secret): the console uses the same credentials. */
  keys: Record<string, string>;
  /** Defaults come from the environment (see monitoringOptionsFromEnv). */
  options?: MonitoringOptions;
}

export interface Monitoring extends InvocationLog {
  /** Every finished invocation (data plane, API, async). */
  record(rec: InvocationRecord): void;
  /** An invocation refused by reserved concurrency (429). */
  throttled(fn: string, version: string): void;
  /** An async event that ended in the dead-letter list. */
  deadLettered(fn: string): void;
  /** Mount /metrics, /wisp/v1/metrics, /wisp/v1/alarms, /console; `auth` guards what needs it. */
  mount(app: Hono<Env>, auth: MiddlewareHandler<Env>): void;
  close(): Promise<void>;
}

/** The monitoring service itself (tests and tools reach the stores through host.monitoring). */
export interface MonitoringService extends Monitoring {
  metrics: MetricsStore;
  alarms: AlarmManager;
}

const envMs = (name: string): number | undefined => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : undefined;
};

/**
 * WISP_METRICS_FLUSH_MS (default 5000), WISP_ALARM_EVAL_MS (default 10000),
 * WISP_ALARM_RETRY_MS (first webhook retry delay, default 1000), WISP_METRICS_TOKEN.
 */
export function monitoringOptionsFromEnv(): MonitoringOptions {
  const flushMs = envMs('WISP_METRICS_FLUSH_MS');
  const evaluateEveryMs = envMs('WISP_ALARM_EVAL_MS');
  const retryBaseMs = envMs('WISP_ALARM_RETRY_MS');
  return {
    metrics: { ...(flushMs ? { flushMs } : {}) },
    alarms: { ...(evaluateEveryMs ? { evaluateEveryMs } : {}), ...(retryBaseMs ? { retryBaseMs } : {}) },
    ...(process.env.WISP_METRICS_TOKEN ? { metricsToken: process.env.WISP_METRICS_TOKEN } : {}),
  };
}

export function createMonitoring(deps: MonitoringDeps): MonitoringService {
  migrateMonitoring(deps.db);
  const env = monitoringOptionsFromEnv();
  const o = deps.options ?? {};
  const metrics = new MetricsStore(deps.db, deps.invoker.concurrency, { ...env.metrics, ...o.metrics });
  const alarms = new AlarmManager(deps.db, metrics, { ...env.alarms, ...o.alarms });
  const metricsToken = o.metricsToken ?? env.metricsToken;
  let closed = false;
  return {
    metrics,
    alarms,
    record(rec) {
      if (!closed) metrics.record(rec);
    },
    throttled(fn, version) {
      if (!closed) metrics.throttled(fn, version);
    },
    deadLettered(fn) {
      if (!closed) metrics.deadLettered(fn);
    },
    // `auth` is already applied to /wisp/v1/* by the control plane; /metrics and /console are open
    // (the console's pages hold no data: its API calls are SigV4-signed in the browser).
    mount(app) {
      mountMonitoringRoutes(app, { metrics, alarms, registry: deps.registry, db: deps.db, ...(metricsToken ? { metricsToken } : {}) });
      mountConsole(app);
    },
    async close() {
      if (closed) return;
      await alarms.close();
      closed = true;
      metrics.close();
    },
  };
}
