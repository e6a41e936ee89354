// Alarms in CloudWatch's model: a metric (of one function, optionally one version, or of all),
// a statistic over a period, compared with a threshold over the last N periods. States OK, ALARM,
// INSUFFICIENT_DATA; each transition is recorded and POSTed as JSON to the alarm's webhook
// (3 tries with exponential backoff, every attempt recorded in the alarm's history).

import type { DB } from '../registry/db.js';
import { ApiError, invalid, notFound } from '../registry/errors.js';
import { isMetric, isStatistic, type MetricName, type MetricsStore, type Statistic } from './metrics.js';

export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
export type Comparison = 'GreaterThanThreshold' | 'GreaterThanOrEqualToThreshold' | 'LessThanThreshold' | 'LessThanOrEqualToThreshold';
export type MissingData = 'missing' | 'notBreaching' | 'breaching' | 'ignore';

export interface AlarmConfig {
  name: string;
  description: string;
  /** Omitted: the metric over all functions. */
  functionName?: string;
  version?: string;
  metric: MetricName;
  statistic: Statistic;
  threshold: number;
  comparison: Comparison;
  /** Seconds: 1-59 (evaluated from the last 15 minutes kept in memory) or a multiple of 60. */
  period: number;
  evaluationPeriods: number;
  /** How many of the evaluation periods must breach (default: all of them). */
  datapointsToAlarm: number;
  treatMissingData: MissingData;
  /** Where transitions are POSTed (http or https). */
  webhookUrl?: string;
}

export interface Alarm extends AlarmConfig {
  state: AlarmState;
  stateReason: string;
  stateUpdatedAt: number;
  createdAt: number;
  updatedAt: number;
}

export interface HistoryItem {
  id: number;
  alarmName: string;
  ts: number;
  type: 'ConfigurationUpdate' | 'StateUpdate' | 'Notification';
  summary: string;
  data: Record<string, unknown>;
}

export interface AlarmOptions {
  /** How often every alarm is evaluated (default 10,000 ms). */
  evaluateEveryMs?: number;
  /** First retry delay of a failed webhook POST; doubles each retry (default 1000 ms). */
  retryBaseMs?: number;
  /** Tries per notification (default 3). */
  tries?: number;
  /** Per-attempt timeout (default 5000 ms). */
  webhookTimeoutMs?: number;
}

const COMPARISONS: Record<string, Comparison> = {
  GreaterThanThreshold: 'GreaterThanThreshold',
  GreaterThanOrEqualToThreshold: 'GreaterThanOrEqualToThreshold',
  LessThanThreshold: 'LessThanThreshold',
  LessThanOrEqualToThreshold: 'LessThanOrEqualToThreshold',
  '>': 'GreaterThanThreshold',
  '>=': 'GreaterThanOrEqualToThreshold',
  '<': 'LessThanThreshold',
  '<=': 'LessThanOrEqualToThreshold',
};
const SYMBOL: Record<Comparison, string> = {
  GreaterThanThreshold: '>',
  GreaterThanOrEqualToThreshold: '>=',
  LessThanThreshold: '<',
  LessThanOrEqualToThreshold: '<=',
};
const MISSING: MissingData[] = ['missing', 'notBreaching', 'breaching', 'ignore'];
export const ALARM_NAME = /^[A-Za-z0-9_.\-]{1,255}$/;

function breaches(value: number, c: Comparison, threshold: number): boolean {
  switch (c) {
    case 'GreaterThanThreshold':
      return value > threshold;
    case 'GreaterThanOrEqualToThreshold':
      return value >= threshold;
    case 'LessThanThreshold':
      return value < threshold;
    case 'LessThanOrEqualToThreshold':
      return value <= threshold;
  }
}

/** Validate an API body into a config (throws 400 with what is wrong). */
export function parseAlarm(name: string, b: Record<string, unknown>): AlarmConfig {
  if (!ALARM_NAME.test(name)) throw invalid('alarm name must be 1-255 of A-Za-z0-9_.-');
  const metric = b.metric;
  if (typeof metric !== 'string' || !isMetric(metric)) throw invalid(`metric must be one of the metric names (GET /wisp/v1/metrics), got ${JSON.stringify(metric)}`);
  const statistic = b.statistic ?? 'Sum';
  if (typeof statistic !== 'string' || !isStatistic(statistic)) throw invalid(`statistic must be Sum, SampleCount, Average, Minimum, Maximum or pNN, got ${JSON.stringify(statistic)}`);
  const threshold = b.threshold;
  if (typeof threshold !== 'number' || !Number.isFinite(threshold)) throw invalid('threshold must be a number');
  const comparison = COMPARISONS[String(b.comparison ?? 'GreaterThanOrEqualToThreshold')];
  if (!comparison) throw invalid(`comparison must be one of ${Object.keys(COMPARISONS).join(', ')}`);
  const period = b.period ?? 60;
  if (typeof period !== 'number' || !Number.isInteger(period) || period < 1 || (period >= 60 && period % 60 !== 0) || period > 86400) {
    throw invalid('period must be whole seconds: 1-59, or a multiple of 60 up to 86400');
  }
  const evaluationPeriods = b.evaluationPeriods ?? 1;
  if (typeof evaluationPeriods !== 'number' || !Number.isInteger(evaluationPeriods) || evaluationPeriods < 1 || evaluationPeriods > 100) {
    throw invalid('evaluationPeriods must be an integer in 1..100');
  }
  if (period < 60 && period * evaluationPeriods > 900) throw invalid('periods under a minute can look back at most 900 s (period x evaluationPeriods)');
  if (period * evaluationPeriods > 86400) throw invalid('period x evaluationPeriods may not exceed one day');
  const datapointsToAlarm = b.datapointsToAlarm ?? evaluationPeriods;
  if (typeof datapointsToAlarm !== 'number' || !Number.isInteger(datapointsToAlarm) || datapointsToAlarm < 1 || datapointsToAlarm > evaluationPeriods) {
    throw invalid('datapointsToAlarm must be an integer in 1..evaluationPeriods');
  }
  const treatMissingData = (b.treatMissingData ?? 'missing') as MissingData;
  if (!MISSING.includes(treatMissingData)) throw invalid(`treatMissingData must be one of ${MISSING.join(', ')}`);
  const str = (v: unknown, what: string) => {
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v !== 'string') throw invalid(`${what} must be a string`);
    return v;
  };
  const webhookUrl = str(b.webhookUrl, 'webhookUrl');
  if (webhookUrl !== undefined) {
    let u: URL;
    try {
      u = new URL(webhookUrl);
    } catch {
      throw invalid('webhookUrl is not a URL');
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw invalid('webhookUrl must be http or https');
  }
  const out: AlarmConfig = {
    name,
    description: str(b.description, 'description') ?? '',
    metric,
    statistic,
    threshold,
    comparison,
    period,
    evaluationPeriods,
    datapointsToAlarm,
    treatMissingData,
  };
  const fn = str(b.functionName, 'functionName');
  if (fn !== undefined) out.functionName = fn;
  const version = str(b.version, 'version');
  if (version !== undefined) out.version = version;
  if (webhookUrl !== undefined) out.webhookUrl = webhookUrl;
  return out;
}

interface Row {
  name: string;
  config_json: string;
  state: AlarmState;
  state_reason: string;
  state_updated_at: number;
  checked: number;
  created_at: number;
  updated_at: number;
}

const toAlarm = (r: Row): Alarm => ({
  ...(JSON.parse(r.config_json) as AlarmConfig),
  state: r.state,
  stateReason: r.state_reason,
  stateUpdatedAt: r.state_updated_at,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export class AlarmManager {
  private timer: NodeJS.Timeout | undefined;
  /** One notification chain per alarm: transitions are delivered in order. */
  private chains = new Map<string, Promise<void>>();
  private readonly abort = new AbortController();
  private closed = false;
  private readonly opts: Required<AlarmOptions>;

  constructor(
    private readonly db: DB,
    private readonly metrics: MetricsStore,
    opts: AlarmOptions = {},
  ) {
    this.opts = { evaluateEveryMs: 10_000, retryBaseMs: 1000, tries: 3, webhookTimeoutMs: 5000, ...opts };
    this.timer = setInterval(() => {
      try {
        this.evaluateAll();
      } catch (e) {
        console.error('wisp: evaluating alarms:', e);
      }
    }, this.opts.evaluateEveryMs);
    this.timer.unref();
  }

  private history(alarmName: string, type: HistoryItem['type'], summary: string, data: Record<string, unknown> = {}, ts = Date.now()): void {
    this.db.prepare('INSERT INTO alarm_history (alarm_name, ts, type, summary, data_json) VALUES (?, ?, ?, ?, ?)').run(alarmName, ts, type, summary, JSON.stringify(data));
  }

  put(cfg: AlarmConfig): { alarm: Alarm; created: boolean } {
    const now = Date.now();
    let created = false;
    this.db.transaction(() => {
      const existing = this.db.prepare('SELECT name FROM alarms WHERE name = ?').get(cfg.name);
      created = !existing;
      // A new or changed rule starts unchecked: its first evaluation decides its state.
      this.db
        .prepare(
          `INSERT INTO alarms (name, config_json, state, state_reason, state_updated_at, checked, created_at, updated_at)
           VALUES (?, ?, 'INSUFFICIENT_DATA', ?, ?, 0, ?, ?)
           ON CONFLICT (name) DO UPDATE SET config_json = excluded.config_json, state = 'INSUFFICIENT_DATA', state_reason = excluded.state_reason,
             state_updated_at = excluded.state_updated_at, checked = 0, updated_at = excluded.updated_at`,
        )
        .run(cfg.name, JSON.stringify(cfg), created ? 'Unchecked: Initial alarm creation' : 'Unchecked: Alarm updated', now, now, now);
      this.history(cfg.name, 'ConfigurationUpdate', created ? `Alarm "${cfg.name}" created` : `Alarm "${cfg.name}" updated`, { config: cfg }, now);
    })();
    return { alarm: this.get(cfg.name), created };
  }

  get(name: string): Alarm {
    const r = this.db.prepare('SELECT * FROM alarms WHERE name = ?').get(name) as Row | undefined;
    if (!r) throw notFound(`alarm not found: ${name}`);
    return toAlarm(r);
  }

  list(filter: { state?: string; functionName?: string; prefix?: string } = {}): Alarm[] {
    return (this.db.prepare('SELECT * FROM alarms ORDER BY name').all() as Row[])
      .map(toAlarm)
      .filter((a) => (!filter.state || a.state === filter.state) && (!filter.functionName || a.functionName === filter.functionName) && (!filter.prefix || a.name.startsWith(filter.prefix)));
  }

  delete(name: string): void {
    const r = this.db.prepare('DELETE FROM alarms WHERE name = ?').run(name);
    if (r.changes === 0) throw notFound(`alarm not found: ${name}`);
    this.history(name, 'ConfigurationUpdate', `Alarm "${name}" deleted`);
  }

  historyOf(name: string, limit = 100): HistoryItem[] {
    const rows = this.db
      .prepare('SELECT * FROM (SELECT * FROM alarm_history WHERE alarm_name = ? ORDER BY id DESC LIMIT ?) ORDER BY id')
      .all(name, Math.min(Math.max(limit, 1), 10_000)) as { id: number; alarm_name: string; ts: number; type: HistoryItem['type']; summary: string; data_json: string }[];
    return rows.map((r) => ({ id: r.id, alarmName: r.alarm_name, ts: r.ts, type: r.type, summary: r.summary, data: JSON.parse(r.data_json) as Record<string, unknown> }));
  }

  /** The state the rule's last N complete periods call for (and why). */
  assess(a: AlarmConfig, now = Date.now()): { state: AlarmState | null; reason: string; datapoints: { ts: number; value: number | null }[] } {
    const p = a.period * 1000;
    const end = Math.floor(now / p) * p;
    const start = end - a.evaluationPeriods * p;
    const points = this.metrics.query({
      metric: a.metric,
      ...(a.functionName !== undefined ? { fn: a.functionName } : {}),
      ...(a.version !== undefined ? { version: a.version } : {}),
      statistic: a.statistic,
      start,
      end,
      period: a.period,
    });
    const byTs = new Map(points.map((d) => [d.ts, d.value]));
    const datapoints: { ts: number; value: number | null }[] = [];
    for (let t = start; t < end; t += p) datapoints.push({ ts: t, value: byTs.get(t) ?? null });
    const present = datapoints.filter((d) => d.value !== null);
    const missing = datapoints.length - present.length;
    let breaching = present.filter((d) => breaches(d.value!, a.comparison, a.threshold)).length;
    const shown = present.map((d) => String(Math.round(d.value! * 1000) / 1000)).join(', ');
    const what = `${a.statistic} of ${a.metric}${a.functionName ? ` (${a.functionName}${a.version ? `:${a.version}` : ''})` : ''}`;
    if (present.length === 0) {
      if (a.treatMissingData === 'ignore') return { state: null, reason: 'no datapoints (ignored)', datapoints };
      if (a.treatMissingData === 'missing') return { state: 'INSUFFICIENT_DATA', reason: `Insufficient Data: no datapoints of ${what} in the last ${a.evaluationPeriods} period(s) of ${a.period} s`, datapoints };
    }
    if (a.treatMissingData === 'breaching') breaching += missing;
    const state: AlarmState = breaching >= a.datapointsToAlarm ? 'ALARM' : 'OK';
    const reason =
      `Threshold Crossed: ${breaching} of the last ${a.evaluationPeriods} period(s) of ${a.period} s ${state === 'ALARM' ? 'were' : 'were not enough:'} ` +
      `${what} ${SYMBOL[a.comparison]} ${a.threshold}` +
      (a.datapointsToAlarm !== a.evaluationPeriods ? ` (${a.datapointsToAlarm} needed)` : '') +
      ` [${shown || 'no data'}${missing && present.length ? `, ${missing} missing` : ''}]`;
    return { state, reason, datapoints };
  }

  /** Evaluate every alarm now; transitions are recorded and notified. */
  evaluateAll(now = Date.now()): void {
    if (this.closed) return;
    for (const r of this.db.prepare('SELECT * FROM alarms').all() as Row[]) {
      const alarm = toAlarm(r);
      const { state, reason, datapoints } = this.assess(alarm, now);
      if (state === null || state === alarm.state) {
        if (!r.checked) this.db.prepare('UPDATE alarms SET checked = 1 WHERE name = ?').run(alarm.name);
        continue;
      }
      this.db.transaction(() => {
        this.db.prepare('UPDATE alarms SET state = ?, state_reason = ?, state_updated_at = ?, checked = 1 WHERE name = ?').run(state, reason, now, alarm.name);
        this.history(alarm.name, 'StateUpdate', `Alarm updated from ${alarm.state} to ${state}`, { oldState: alarm.state, newState: state, reason, datapoints }, now);
      })();
      // The first evaluation of a new rule leaving INSUFFICIENT_DATA for OK is not news.
      const initialOk = !r.checked && alarm.state === 'INSUFFICIENT_DATA' && state === 'OK';
      if (alarm.webhookUrl && !initialOk) {
        this.notify(alarm, {
          alarmName: alarm.name,
          description: alarm.description,
          oldState: alarm.state,
          newState: state,
          reason,
          timestamp: new Date(now).toISOString(),
          metric: alarm.metric,
          functionName: alarm.functionName ?? null,
          version: alarm.version ?? null,
          statistic: alarm.statistic,
          threshold: alarm.threshold,
          comparison: alarm.comparison,
          period: alarm.period,
          evaluationPeriods: alarm.evaluationPeriods,
          datapoints,
        });
      }
    }
  }

  private notify(alarm: Alarm, payload: Record<string, unknown>): void {
    const url = alarm.webhookUrl!;
    const id = `${alarm.name}:${Date.now()}:${Math.random().toString(36).slice(2, 8)}`;
    const body = JSON.stringify({ notificationId: id, ...payload });
    const prev = this.chains.get(alarm.name) ?? Promise.resolve();
    const next = prev.then(() => this.deliver(alarm.name, url, id, body, payload.newState as string));
    this.chains.set(alarm.name, next);
    void next.finally(() => {
      if (this.chains.get(alarm.name) === next) this.chains.delete(alarm.name);
    });
  }

  private async deliver(name: string, url: string, id: string, body: string, newState: string): Promise<void> {
    for (let attempt = 1; attempt <= this.opts.tries; attempt++) {
      if (this.closed) return;
      let status = 0;
      let error: string | undefined;
      try {
        const signal = AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.opts.webhookTimeoutMs)]);
        const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': 'wisp-alarms/1' }, body, signal });
        status = res.status;
        await res.arrayBuffer().catch(() => undefined);
        if (!res.ok) error = `HTTP ${res.status}`;
      } catch (e) {
        error = (e as Error).message;
      }
      if (this.closed && error) return;
      const ok = error === undefined;
      try {
        this.history(name, 'Notification', ok ? `Notification (${newState}) delivered to ${url}` : `Notification (${newState}) to ${url} failed: ${error}`, {
          notificationId: id,
          url,
          attempt,
          ok,
          status,
          ...(error ? { error } : {}),
        });
      } catch {
        return; // the DB is closing
      }
      if (ok) return;
      if (attempt < this.opts.tries) {
        await new Promise<void>((r) => {
          const t = setTimeout(r, this.opts.retryBaseMs * 2 ** (attempt - 1));
          this.abort.signal.addEventListener('abort', () => (clearTimeout(t), r()), { once: true });
        });
      } else {
        console.error(`wisp: alarm ${name}: notification to ${url} failed after ${attempt} tries: ${error}`);
      }
    }
  }

  /** Stops evaluating; gives in-flight notifications a moment, then abandons them. */
  async close(graceMs = 1000): Promise<void> {
    clearInterval(this.timer);
    const pending = [...this.chains.values()];
    if (pending.length) await Promise.race([Promise.allSettled(pending), new Promise((r) => setTimeout(r, graceMs))]);
    this.closed = true;
    this.abort.abort();
    await Promise.allSettled(pending);
  }
}

export { ApiError };
