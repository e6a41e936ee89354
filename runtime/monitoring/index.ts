// The monitoring seam of the host: what it is told about invocations, and what it serves.
// host.ts wires this once; metrics, alarms and the console live behind it.

import type { Hono, MiddlewareHandler } from 'hono';
import type { Env } from '../http/app.js';
import type { InvocationLog, InvocationRecord } from '../http/log.js';
import type { Invoker } from '../invoke/invoker.js';
import type { DB } from '../registry/db.js';
import type { Registry } from '../registry/registry.js';
import type { LogStore } from './logs.js';

export interface MonitoringDeps {
  db: DB;
  registry: Registry;
  invoker: Invoker;
  logs: LogStore;
  /** The control-plane access keys (id -> secret): the console uses the same credentials. */
  keys: Record<string, string>;
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

/** Until metrics and alarms land: records nothing, serves nothing. */
export function createMonitoring(_deps: MonitoringDeps): Monitoring {
  return {
    record() {},
    throttled() {},
    deadLettered() {},
    mount() {},
    async close() {},
  };
}
