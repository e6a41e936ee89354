// Monitoring's HTTP surface: GET /metrics (Prometheus text), and under /wisp/v1 (SigV4, via the
// app's /wisp/v1/* middleware): metric queries, alarms and their history, console sources.

import { timingSafeEqual } from 'node:crypto';
import type { Context, Hono } from 'hono';
import { awsError, toApiError } from '../api/errors.js';
import type { Env } from '../http/app.js';
import { invalid, notFound } from '../registry/errors.js';
import type { Registry } from '../registry/registry.js';
import type { DB } from '../registry/db.js';
import { parseAlarm, type AlarmManager } from './alarms.js';
import { isMetric, isStatistic, METRICS, STATISTICS, UNITS, type MetricName, type MetricsStore, type Statistic } from './metrics.js';

export interface MonitoringRoutes {
  metrics: MetricsStore;
  alarms: AlarmManager;
  registry: Registry;
  db: DB;
  /** When set, GET /metrics wants `Authorization: Bearer <token>`. */
  metricsToken?: string;
}

export const DEFAULT_STATISTIC: Record<MetricName, Statistic> = {
  Invocations: 'Sum',
  Errors: 'Sum',
  Throttles: 'Sum',
  Duration: 'Average',
  ConcurrentExecutions: 'Maximum',
  ColdStarts: 'Sum',
  WarmStarts: 'Sum',
  HotStarts: 'Sum',
  PrewarmedStarts: 'Sum',
  FuelUsed: 'Sum',
  MemoryPeak: 'Maximum',
  DeadLetterErrors: 'Sum',
};

const MAX_POINTS = 10_000;

async function jsonBody(c: Context<Env>): Promise<Record<string, unknown>> {
  const text = await c.req.text();
  if (!text) return {};
  try {
    const v = JSON.parse(text) as unknown;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
    return v as Record<string, unknown>;
  } catch (e) {
    throw invalid(`request body is not a JSON object: ${(e as Error).message}`);
  }
}

/** ms since the epoch, or an ISO date. */
function time(v: string | undefined, dflt: number, what: string): number {
  if (v === undefined || v === '') return dflt;
  const n = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isFinite(n)) throw invalid(`${what} must be ms since the epoch or an ISO date`);
  return n;
}

function window(c: Context<Env>): { start: number; end: number; period: number } {
  const now = Date.now();
  const period = c.req.query('period') === undefined ? 60 : Number(c.req.query('period'));
  if (!Number.isInteger(period) || period < 1 || (period >= 60 && period % 60 !== 0)) throw invalid('period must be whole seconds: 1-59, or a multiple of 60');
  const end = time(c.req.query('end'), now, 'end');
  const start = time(c.req.query('start'), end - 3600_000, 'start');
  if (start >= end) throw invalid('start must be before end');
  if ((end - start) / (period * 1000) > MAX_POINTS) throw invalid(`at most ${MAX_POINTS} periods per query: widen the period`);
  return { start: Math.floor(start / (period * 1000)) * period * 1000, end, period };
}

export function mountMonitoringRoutes(app: Hono<Env>, r: MonitoringRoutes): void {
  const wrap = (h: (c: Context<Env>) => Promise<Response> | Response) => async (c: Context<Env>) => {
    try {
      return await h(c);
    } catch (e) {
      return awsError(c, toApiError(e));
    }
  };

  // ---- Prometheus ----
  app.get('/metrics', (c) => {
    if (r.metricsToken) {
      const given = Buffer.from(c.req.header('authorization') ?? '');
      const want = Buffer.from(`Bearer ${r.metricsToken}`);
      if (given.length !== want.length || !timingSafeEqual(given, want)) return c.text('unauthorized: Authorization: Bearer <WISP_METRICS_TOKEN>\n', 401);
    }
    return c.body(r.metrics.prometheus(), 200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
  });

  // ---- metric queries ----
  app.get(
    '/wisp/v1/metrics',
    wrap((c) => {
      const now = Date.now();
      return c.json({
        metrics: METRICS.map((name) => ({ name, unit: UNITS[name], defaultStatistic: DEFAULT_STATISTIC[name] })),
        statistics: STATISTICS,
        series: r.metrics.series(now - 24 * 3600_000, now + 60_000).map((s) => ({ functionName: s.fn, version: s.version, metric: s.metric })),
      });
    }),
  );

  app.get(
    '/wisp/v1/metrics/:metric',
    wrap((c) => {
      const metric = c.req.param('metric')!;
      if (!isMetric(metric)) throw notFound(`no such metric: ${metric} (one of ${METRICS.join(', ')})`);
      const statistic = c.req.query('statistic') ?? DEFAULT_STATISTIC[metric];
      if (!isStatistic(statistic)) throw invalid(`statistic must be one of ${STATISTICS.join(', ')}`);
      const fn = c.req.query('function') || undefined;
      const version = c.req.query('version') || undefined;
      const w = window(c);
      const datapoints = r.metrics.query({ metric, statistic, ...w, ...(fn ? { fn } : {}), ...(version ? { version } : {}) });
      return c.json({ metric, unit: UNITS[metric], functionName: fn ?? null, version: version ?? null, statistic, ...w, datapoints });
    }),
  );

  app.get(
    '/wisp/v1/functions/:name/metrics',
    wrap((c) => {
      const name = decodeURIComponent(c.req.param('name')!);
      r.registry.config(name); // 404 for unknown functions
      const version = c.req.query('version') || undefined;
      const w = window(c);
      const wanted = (c.req.query('metrics') ?? '').split(',').filter(Boolean);
      const names = wanted.length ? wanted : [...METRICS];
      const out: Record<string, { statistic: Statistic; unit: string; datapoints: { ts: number; value: number }[] }> = {};
      for (const m of names) {
        if (!isMetric(m)) throw invalid(`no such metric: ${m}`);
        const statistic = (c.req.query(`statistic.${m}`) as Statistic | undefined) ?? DEFAULT_STATISTIC[m];
        if (!isStatistic(statistic)) throw invalid(`statistic.${m} must be one of ${STATISTICS.join(', ')}`);
        const points = r.metrics.query({ metric: m, statistic, fn: name, ...(version ? { version } : {}), ...w });
        out[m] = { statistic, unit: UNITS[m], datapoints: points.map((d) => ({ ts: d.ts, value: d.value })) };
      }
      return c.json({ functionName: name, version: version ?? null, ...w, metrics: out });
    }),
  );

  // ---- alarms ----
  const putAlarm = async (c: Context<Env>, name: string) => {
    const cfg = parseAlarm(name, await jsonBody(c));
    const { alarm, created } = r.alarms.put(cfg);
    return c.json(alarm, created ? 201 : 200);
  };
  app.post(
    '/wisp/v1/alarms',
    wrap(async (c) => {
      const b = await jsonBody(c);
      if (typeof b.name !== 'string') throw invalid('name is required');
      const { alarm, created } = r.alarms.put(parseAlarm(b.name, b));
      return c.json(alarm, created ? 201 : 200);
    }),
  );
  app.put(
    '/wisp/v1/alarms/:name',
    wrap((c) => putAlarm(c, decodeURIComponent(c.req.param('name')!))),
  );
  app.get(
    '/wisp/v1/alarms',
    wrap((c) => {
      const state = c.req.query('state');
      const functionName = c.req.query('function');
      const prefix = c.req.query('prefix');
      return c.json({ alarms: r.alarms.list({ ...(state ? { state } : {}), ...(functionName ? { functionName } : {}), ...(prefix ? { prefix } : {}) }) });
    }),
  );
  app.get(
    '/wisp/v1/alarms/:name',
    wrap((c) => c.json(r.alarms.get(decodeURIComponent(c.req.param('name')!)))),
  );
  app.delete(
    '/wisp/v1/alarms/:name',
    wrap((c) => {
      r.alarms.delete(decodeURIComponent(c.req.param('name')!));
      return c.body(null, 204);
    }),
  );
  app.get(
    '/wisp/v1/alarms/:name/history',
    wrap((c) => {
      const name = decodeURIComponent(c.req.param('name')!);
      const limit = Number(c.req.query('limit') ?? 100) || 100;
      const history = r.alarms.historyOf(name, limit);
      if (history.length === 0) r.alarms.get(name); // 404 for names never seen
      return c.json({ alarmName: name, history });
    }),
  );

  // ---- the console's copy of the sources it deployed (the API keeps only built artifacts) ----
  app.get(
    '/wisp/v1/console/sources/:name',
    wrap((c) => {
      const name = decodeURIComponent(c.req.param('name')!);
      const row = r.db.prepare('SELECT * FROM console_sources WHERE function_name = ?').get(name) as
        | { function_name: string; filename: string; source: string; updated_at: number }
        | undefined;
      if (!row) throw notFound(`no source kept for ${name}: only functions deployed from the console have one`);
      return c.json({ functionName: row.function_name, filename: row.filename, source: row.source, updatedAt: row.updated_at });
    }),
  );
  app.put(
    '/wisp/v1/console/sources/:name',
    wrap(async (c) => {
      const name = decodeURIComponent(c.req.param('name')!);
      r.registry.config(name); // 404 for unknown functions
      const b = await jsonBody(c);
      if (typeof b.source !== 'string' || typeof b.filename !== 'string') throw invalid('filename and source (strings) are required');
      if (b.source.length > 1024 * 1024) throw invalid('source is limited to 1 MiB');
      const now = Date.now();
      r.db
        .prepare('INSERT OR REPLACE INTO console_sources (function_name, filename, source, updated_at) VALUES (?, ?, ?, ?)')
        .run(name, b.filename, b.source, now);
      return c.json({ functionName: name, filename: b.filename, updatedAt: now });
    }),
  );
}
