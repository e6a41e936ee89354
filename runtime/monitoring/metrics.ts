// Metrics per function and version, aggregated in memory and kept two ways:
// - one-minute buckets (sum, count, min, max, and a fixed histogram for Duration) flushed to the
//   registry DB every few seconds and on close, kept 25 h;
// - one-second buckets in memory for the last 15 minutes (alarms with periods under a minute);
// plus cumulative totals since the host started, for the Prometheus text at GET /metrics.

import type { InvocationRecord } from '../http/log.js';
import type { DB } from '../registry/db.js';

export const METRICS = [
  'Invocations',
  'Errors',
  'Throttles',
  'Duration',
  'ConcurrentExecutions',
  'ColdStarts',
  'WarmStarts',
  'HotStarts',
  'PrewarmedStarts',
  'FuelUsed',
  'MemoryPeak',
  'DeadLetterErrors',
] as const;
export type MetricName = (typeof METRICS)[number];

export const STATISTICS = ['Sum', 'SampleCount', 'Average', 'Minimum', 'Maximum', 'p50', 'p90', 'p95', 'p99'] as const;
export type Statistic = (typeof STATISTICS)[number];

export const UNITS: Record<MetricName, string> = {
  Invocations: 'Count',
  Errors: 'Count',
  Throttles: 'Count',
  Duration: 'Milliseconds',
  ConcurrentExecutions: 'Count',
  ColdStarts: 'Count',
  WarmStarts: 'Count',
  HotStarts: 'Count',
  PrewarmedStarts: 'Count',
  FuelUsed: 'Count',
  MemoryPeak: 'Bytes',
  DeadLetterErrors: 'Count',
};

const TIER_METRIC: Record<string, MetricName> = { cold: 'ColdStarts', warm: 'WarmStarts', hot: 'HotStarts', prewarmed: 'PrewarmedStarts' };

/** Upper bounds (ms) of the Duration histogram's buckets; one more bucket holds the rest. */
export const DURATION_BOUNDS_MS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 30000, 60000];

/** The function name under which account-wide ConcurrentExecutions is kept. */
export const ALL = '$ALL';
/** Metrics kept per function only (version ''): concurrency is gated per function. */
const PER_FUNCTION: ReadonlySet<string> = new Set(['ConcurrentExecutions', 'DeadLetterErrors']);

export interface Agg {
  sum: number;
  count: number;
  min: number;
  max: number;
  hist?: number[];
}

export interface Datapoint {
  /** Start of the period (ms since the epoch). */
  ts: number;
  sum: number;
  sampleCount: number;
  average: number;
  minimum: number;
  maximum: number;
  /** The requested statistic. */
  value: number;
}

export interface MetricQuery {
  metric: MetricName;
  /** Omitted: every function (ConcurrentExecutions: the account-wide series). */
  fn?: string;
  /** Omitted: every version. */
  version?: string;
  statistic: Statistic;
  /** ms, inclusive. */
  start: number;
  /** ms, exclusive. */
  end: number;
  /** Seconds; 1-59 (in-memory, last 15 minutes) or a multiple of 60 (the DB). */
  period: number;
}

export interface MetricsOptions {
  /** How often aggregates are written to the DB (default 5000 ms). */
  flushMs?: number;
  /** Minute buckets older than this are deleted (default 25 h). */
  retentionMs?: number;
  /** Concurrency sampling interval (default 1000 ms). */
  sampleMs?: number;
}

const MINUTE = 60_000;
const SECOND_RING_MS = 15 * MINUTE;

const sep = '\u0000';
const key = (fn: string, version: string, metric: string) => `${fn}${sep}${version}${sep}${metric}`;
const unkey = (k: string) => k.split(sep) as [string, string, MetricName];

/** A metric's place in METRICS (a series keeps its per-metric state in arrays). */
const METRIC_INDEX = Object.fromEntries(METRICS.map((m, i) => [m, i])) as Record<MetricName, number>;
const INVOCATIONS = METRIC_INDEX.Invocations;
const ERRORS = METRIC_INDEX.Errors;
const DURATION = METRIC_INDEX.Duration;
const FUEL_USED = METRIC_INDEX.FuelUsed;
const MEMORY_PEAK = METRIC_INDEX.MemoryPeak;
const CONCURRENT = METRIC_INDEX.ConcurrentExecutions;
const TIER_INDEX: Record<string, number | undefined> = Object.fromEntries(Object.entries(TIER_METRIC).map(([t, m]) => [t, METRIC_INDEX[m]]));

/** Where one series' adds go in the current second. */
interface Slot {
  sec: number;
  second: Agg;
  minute: Agg;
  total: Agg;
}

interface Series {
  /** Per metric (METRIC_INDEX): the series key. */
  keys: string[];
  /** Per metric: where adds go now; stale once its second is over (or after a flush). */
  slots: (Slot | undefined)[];
}

function bucketOf(ms: number): number {
  let i = 0;
  while (i < DURATION_BOUNDS_MS.length && ms > DURATION_BOUNDS_MS[i]!) i++;
  return i;
}

export function mergeAgg(into: Agg, from: Agg): Agg {
  into.sum += from.sum;
  into.count += from.count;
  into.min = Math.min(into.min, from.min);
  into.max = Math.max(into.max, from.max);
  if (from.hist) {
    into.hist ??= new Array(DURATION_BOUNDS_MS.length + 1).fill(0);
    from.hist.forEach((n, i) => (into.hist![i] = (into.hist![i] ?? 0) + n));
  }
  return into;
}

/** One sample into an aggregate, in place (`bucket`: its Duration histogram bucket, or -1): this
 *  runs ~24 times per invocation. */
function addTo(a: Agg, value: number, bucket: number): void {
  a.sum += value;
  a.count++;
  if (value < a.min) a.min = value;
  if (value > a.max) a.max = value;
  if (bucket >= 0) (a.hist ??= new Array(DURATION_BOUNDS_MS.length + 1).fill(0))[bucket]++;
}

/** Series `k`'s aggregate in `map`, made empty if absent (an add follows at once). */
function aggIn(map: Map<string, Agg>, k: string, withHist: boolean): Agg {
  let a = map.get(k);
  if (!a) {
    a = { sum: 0, count: 0, min: Infinity, max: -Infinity };
    if (withHist) a.hist = new Array(DURATION_BOUNDS_MS.length + 1).fill(0);
    map.set(k, a);
  }
  return a;
}

/** A percentile from the histogram, interpolated within its bucket, clamped to [min, max]. */
export function percentile(a: Agg, q: number): number {
  if (!a.hist || a.count === 0) return a.max;
  const rank = q * a.count;
  let seen = 0;
  for (let i = 0; i < a.hist.length; i++) {
    const n = a.hist[i]!;
    if (n > 0 && seen + n >= rank) {
      const lo = i === 0 ? 0 : DURATION_BOUNDS_MS[i - 1]!;
      const hi = DURATION_BOUNDS_MS[i] ?? a.max;
      const v = lo + ((hi - lo) * (rank - seen)) / n;
      return Math.min(Math.max(v, a.min), a.max);
    }
    seen += n;
  }
  return a.max;
}

export function statOf(a: Agg, s: Statistic): number {
  switch (s) {
    case 'Sum':
      return a.sum;
    case 'SampleCount':
      return a.count;
    case 'Average':
      return a.count ? a.sum / a.count : 0;
    case 'Minimum':
      return a.min;
    case 'Maximum':
      return a.max;
    default:
      return percentile(a, Number(s.slice(1)) / 100);
  }
}

export function isMetric(m: string): m is MetricName {
  return (METRICS as readonly string[]).includes(m);
}
export function isStatistic(s: string): s is Statistic {
  return (STATISTICS as readonly string[]).includes(s);
}

export class MetricsStore {
  /** Minute aggregates not yet written to the DB: minute -> series key -> agg. */
  private pending = new Map<number, Map<string, Agg>>();
  /** Per function and version: each metric's series key (built once) and the aggregates its
   *  adds go to in the current second. record() adds 8 values per invocation; finding 3
   *  aggregates each in maps keyed by time and series cost ~2.5 µs of every invocation
   *  (docs/bench.md, 5b). */
  private bySeries = new Map<string, Map<string, Series>>();
  /** Second aggregates of the last 15 minutes: second -> series key -> agg. */
  private seconds = new Map<number, Map<string, Agg>>();
  /** Since the host started (Prometheus). */
  private totals = new Map<string, Agg>();
  private timers: NodeJS.Timeout[] = [];
  private lastPrune = 0;
  private readonly retentionMs: number;

  constructor(
    private readonly db: DB,
    private readonly concurrency: { current(fn: string): number; total(): number },
    opts: MetricsOptions = {},
  ) {
    this.retentionMs = opts.retentionMs ?? 25 * 3600 * 1000;
    const flush = setInterval(() => this.flushSafe(), opts.flushMs ?? 5000);
    const sample = setInterval(() => this.sampleConcurrency(), opts.sampleMs ?? 1000);
    flush.unref();
    sample.unref();
    this.timers.push(flush, sample);
  }

  /** Add one value of a metric at `now`. */
  add(fn: string, version: string, metric: MetricName, value: number, now = Date.now()): void {
    this.addAt(this.seriesOf(fn, PER_FUNCTION.has(metric) ? '' : version), METRIC_INDEX[metric], value, Math.floor(now / 1000) * 1000);
  }

  /** add() into a series already found (record() finds its three once, not once per metric). */
  private addAt(series: Series, i: number, value: number, sec: number): void {
    let slot = series.slots[i];
    if (slot === undefined || slot.sec !== sec) slot = series.slots[i] = this.slotAt(series.keys[i]!, sec, i === DURATION);
    const bucket = i === DURATION ? bucketOf(value) : -1;
    addTo(slot.second, value, bucket);
    addTo(slot.minute, value, bucket);
    addTo(slot.total, value, bucket);
  }

  private seriesOf(fn: string, version: string): Series {
    let byVersion = this.bySeries.get(fn);
    if (!byVersion) {
      // Bounded: names come from requests that reached a function, but a host may see many.
      if (this.bySeries.size >= 10_000) this.bySeries.clear();
      this.bySeries.set(fn, (byVersion = new Map()));
    }
    let s = byVersion.get(version);
    if (!s) byVersion.set(version, (s = { keys: METRICS.map((m) => key(fn, version, m)), slots: [] }));
    return s;
  }

  /** The aggregates of series `k` for second `sec`, its minute, and the totals. */
  private slotAt(k: string, sec: number, hist: boolean): Slot {
    const minute = Math.floor(sec / MINUTE) * MINUTE;
    let m = this.pending.get(minute);
    if (!m) this.pending.set(minute, (m = new Map()));
    let s = this.seconds.get(sec);
    if (!s) this.seconds.set(sec, (s = new Map()));
    return { sec, second: aggIn(s, k, hist), minute: aggIn(m, k, hist), total: aggIn(this.totals, k, hist) };
  }

  record(rec: InvocationRecord): void {
    const sec = Math.floor(Date.now() / 1000) * 1000;
    const r = rec.result;
    const s = this.seriesOf(rec.fn, rec.version ?? '$LATEST');
    this.addAt(s, INVOCATIONS, 1, sec);
    this.addAt(s, ERRORS, r.error || rec.status >= 500 ? 1 : 0, sec);
    this.addAt(s, DURATION, r.durationMs, sec);
    const tier = TIER_INDEX[r.tier];
    if (tier !== undefined) this.addAt(s, tier, 1, sec);
    if (r.fuelUsed !== undefined) this.addAt(s, FUEL_USED, r.fuelUsed, sec);
    if (r.memoryBytes !== undefined) this.addAt(s, MEMORY_PEAK, r.memoryBytes, sec);
    // The invocation has just released its slot: it was in flight alongside `current` others.
    this.addAt(this.seriesOf(rec.fn, ''), CONCURRENT, this.concurrency.current(rec.fn) + 1, sec);
    this.addAt(this.seriesOf(ALL, ''), CONCURRENT, this.concurrency.total() + 1, sec);
  }

  throttled(fn: string, version: string): void {
    const now = Date.now();
    this.add(fn, version, 'Throttles', 1, now);
    this.add(fn, '', 'ConcurrentExecutions', this.concurrency.current(fn), now);
  }

  deadLettered(fn: string): void {
    this.add(fn, '', 'DeadLetterErrors', 1);
  }

  /** Functions seen since start: sampled for ConcurrentExecutions while they have work in flight. */
  private sampleConcurrency(): void {
    const total = this.concurrency.total();
    if (total === 0) return;
    const now = Date.now();
    this.add(ALL, '', 'ConcurrentExecutions', total, now);
    const fns = new Set<string>();
    for (const k of this.totals.keys()) fns.add(unkey(k)[0]);
    for (const fn of fns) {
      const n = fn === ALL ? 0 : this.concurrency.current(fn);
      if (n > 0) this.add(fn, '', 'ConcurrentExecutions', n, now);
    }
  }

  private flushSafe(): void {
    try {
      this.flush();
    } catch (e) {
      console.error('wisp: flushing metrics:', e);
    }
  }

  /** Write pending minute buckets (merging with what the DB has) and drop expired data. */
  flush(now = Date.now()): void {
    for (const sec of this.seconds.keys()) if (sec < now - SECOND_RING_MS) this.seconds.delete(sec);
    const batch = this.pending;
    this.pending = new Map();
    // Slots point into the batch just taken: the next add finds its minute aggregate anew.
    for (const byVersion of this.bySeries.values()) for (const s of byVersion.values()) s.slots.length = 0;
    const prune = now - this.lastPrune > MINUTE;
    if (batch.size === 0 && !prune) return;
    const get = this.db.prepare('SELECT sum, count, min, max, hist FROM metric_buckets WHERE function_name = ? AND version = ? AND metric = ? AND ts = ?');
    const put = this.db.prepare(
      'INSERT OR REPLACE INTO metric_buckets (function_name, version, metric, ts, sum, count, min, max, hist) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.db.transaction(() => {
      for (const [ts, series] of batch) {
        for (const [k, a] of series) {
          const [fn, version, metric] = unkey(k);
          const row = get.get(fn, version, metric, ts) as { sum: number; count: number; min: number; max: number; hist: string | null } | undefined;
          const merged = row ? mergeAgg({ sum: row.sum, count: row.count, min: row.min, max: row.max, ...(row.hist ? { hist: JSON.parse(row.hist) as number[] } : {}) }, a) : a;
          put.run(fn, version, metric, ts, merged.sum, merged.count, merged.min, merged.max, merged.hist ? JSON.stringify(merged.hist) : null);
        }
      }
      if (prune) {
        this.db.prepare('DELETE FROM metric_buckets WHERE ts < ?').run(now - this.retentionMs);
        this.lastPrune = now;
      }
    })();
  }

  /** Which functions and versions have data in [start, end). */
  series(start: number, end: number): { fn: string; version: string; metric: MetricName }[] {
    this.flush();
    return this.db
      .prepare('SELECT DISTINCT function_name AS fn, version, metric FROM metric_buckets WHERE ts >= ? AND ts < ? ORDER BY 1, 2, 3')
      .all(start, end) as { fn: string; version: string; metric: MetricName }[];
  }

  /** Datapoints of one statistic per period; periods without data are absent (as in CloudWatch). */
  query(q: MetricQuery): Datapoint[] {
    const periodMs = q.period * 1000;
    const fn = q.fn ?? (q.metric === 'ConcurrentExecutions' ? ALL : undefined);
    const version = PER_FUNCTION.has(q.metric) ? undefined : q.version;
    const matches = (f: string, v: string) => (fn === undefined ? f !== ALL : f === fn) && (version === undefined || v === version);
    const groups = new Map<number, Agg>();
    const put = (ts: number, a: Agg) => {
      const g = Math.floor(ts / periodMs) * periodMs;
      const cur = groups.get(g);
      if (cur) mergeAgg(cur, a);
      else groups.set(g, mergeAgg({ sum: 0, count: 0, min: Infinity, max: -Infinity }, a));
    };
    if (q.period % 60 !== 0) {
      for (const [sec, m] of this.seconds) {
        if (sec < q.start || sec >= q.end) continue;
        for (const [k, a] of m) {
          const [f, v, metric] = unkey(k);
          if (metric === q.metric && matches(f, v)) put(sec, a);
        }
      }
    } else {
      this.flush();
      const where = ['metric = ?', 'ts >= ?', 'ts < ?'];
      const args: unknown[] = [q.metric, q.start, q.end];
      if (fn !== undefined) (where.push('function_name = ?'), args.push(fn));
      else (where.push('function_name != ?'), args.push(ALL));
      if (version !== undefined) (where.push('version = ?'), args.push(version));
      const rows = this.db.prepare(`SELECT ts, sum, count, min, max, hist FROM metric_buckets WHERE ${where.join(' AND ')}`).all(...args) as {
        ts: number;
        sum: number;
        count: number;
        min: number;
        max: number;
        hist: string | null;
      }[];
      for (const r of rows) put(r.ts, { sum: r.sum, count: r.count, min: r.min, max: r.max, ...(r.hist ? { hist: JSON.parse(r.hist) as number[] } : {}) });
    }
    return [...groups.entries()]
      .sort(([a], [b]) => a - b)
      .map(([ts, a]) => ({
        ts,
        sum: a.sum,
        sampleCount: a.count,
        average: a.count ? a.sum / a.count : 0,
        minimum: a.min,
        maximum: a.max,
        value: statOf(a, q.statistic),
      }));
  }

  /** Prometheus text exposition format 0.0.4: totals since the host started. */
  prometheus(): string {
    const esc = (s: string) => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
    const labels = (l: Record<string, string>) =>
      `{${Object.entries(l)
        .map(([k, v]) => `${k}="${esc(v)}"`)
        .join(',')}}`;
    const byMetric = new Map<MetricName, [string, string, Agg][]>();
    for (const [k, a] of this.totals) {
      const [fn, v, m] = unkey(k);
      if (!byMetric.has(m)) byMetric.set(m, []);
      byMetric.get(m)!.push([fn, v, a]);
    }
    const sorted = (m: MetricName) => (byMetric.get(m) ?? []).sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
    const out: string[] = [];
    const counter = (name: string, help: string, m: MetricName, value: (a: Agg) => number, extra: Record<string, string> = {}, header = true) => {
      if (header) out.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`);
      for (const [fn, v, a] of sorted(m)) out.push(`${name}${labels({ function: fn, ...(PER_FUNCTION.has(m) ? {} : { version: v }), ...extra })} ${value(a)}`);
    };
    counter('wisp_invocations_total', 'Finished invocations.', 'Invocations', (a) => a.sum);
    counter('wisp_errors_total', 'Invocations that failed (guest error, limit, or a 5xx answer).', 'Errors', (a) => a.sum);
    counter('wisp_throttles_total', 'Invocations refused by reserved concurrency (429).', 'Throttles', (a) => a.sum);
    out.push('# HELP wisp_starts_total Invocations by start tier.', '# TYPE wisp_starts_total counter');
    for (const [tier, m] of Object.entries(TIER_METRIC)) counter('wisp_starts_total', '', m, (a) => a.sum, { tier }, false);
    counter('wisp_fuel_used_total', 'Fuel (instrumented instructions) used.', 'FuelUsed', (a) => a.sum);
    counter('wisp_dead_letter_errors_total', 'Async events that failed for good.', 'DeadLetterErrors', (a) => a.sum);

    out.push('# HELP wisp_duration_seconds Invocation duration.', '# TYPE wisp_duration_seconds histogram');
    for (const [fn, v, a] of sorted('Duration')) {
      let cum = 0;
      DURATION_BOUNDS_MS.forEach((b, i) => {
        cum += a.hist?.[i] ?? 0;
        out.push(`wisp_duration_seconds_bucket${labels({ function: fn, version: v, le: String(b / 1000) })} ${cum}`);
      });
      out.push(`wisp_duration_seconds_bucket${labels({ function: fn, version: v, le: '+Inf' })} ${a.count}`);
      out.push(`wisp_duration_seconds_sum${labels({ function: fn, version: v })} ${a.sum / 1000}`);
      out.push(`wisp_duration_seconds_count${labels({ function: fn, version: v })} ${a.count}`);
    }

    out.push('# HELP wisp_memory_peak_bytes Largest linear memory seen after an invocation.', '# TYPE wisp_memory_peak_bytes gauge');
    for (const [fn, v, a] of sorted('MemoryPeak')) out.push(`wisp_memory_peak_bytes${labels({ function: fn, version: v })} ${a.max}`);

    out.push('# HELP wisp_concurrent_executions Invocations in flight now.', '# TYPE wisp_concurrent_executions gauge');
    const fns = [...new Set([...this.totals.keys()].map((k) => unkey(k)[0]))].filter((f) => f !== ALL).sort();
    for (const fn of fns) out.push(`wisp_concurrent_executions${labels({ function: fn })} ${this.concurrency.current(fn)}`);
    out.push('# HELP wisp_concurrent_executions_all Invocations in flight now, all functions.', '# TYPE wisp_concurrent_executions_all gauge');
    out.push(`wisp_concurrent_executions_all ${this.concurrency.total()}`);
    out.push('# HELP wisp_concurrent_executions_max Most invocations seen in flight at once since start (function="$ALL": all functions).', '# TYPE wisp_concurrent_executions_max gauge');
    for (const [fn, , a] of sorted('ConcurrentExecutions')) out.push(`wisp_concurrent_executions_max${labels({ function: fn })} ${a.max}`);
    return out.join('\n') + '\n';
  }

  close(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    this.flushSafe();
  }
}
