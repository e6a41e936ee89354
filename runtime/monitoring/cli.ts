// `wisp alarms ...` and `wisp metrics ...`: clients of /wisp/v1/alarms and /wisp/v1/metrics.
// The CLI's main wires these in: `case 'alarms': return alarmsCommand(api(), rest)`.

import { parseArgs } from '../../cli/args.js';
import type { WispClient } from '../../cli/client.js';

export const ALARMS_USAGE = `usage:
  wisp alarms ls [--state OK|ALARM|INSUFFICIENT_DATA] [--function NAME] [--json]
  wisp alarms put NAME --metric M [--function F] [--version V] [--statistic Sum] --threshold N
                  [--comparison '>='|'>'|'<'|'<='|GreaterThanThreshold...] [--period 60]
                  [--evaluation-periods 1] [--datapoints-to-alarm N]
                  [--treat-missing-data missing|notBreaching|breaching|ignore]
                  [--webhook URL] [--description D]
  wisp alarms get NAME
  wisp alarms rm NAME
  wisp alarms history NAME [--limit N]
`;

export const METRICS_USAGE = `usage:
  wisp metrics ls                         metric names and the series with data (last 24 h)
  wisp metrics get METRIC [--function F] [--version V] [--statistic S] [--period 60]
                  [--since 1h|30m|MS] [--json]
`;

export interface CommandIO {
  out?: NodeJS.WritableStream;
}

export class UsageError extends Error {}

const str = (v: string | true | undefined) => (typeof v === 'string' ? v : undefined);
function num(v: string | true | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isFinite(n)) throw new UsageError(`--${name} must be a number`);
  return n;
}

const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));

interface Alarm {
  name: string;
  state: string;
  stateReason: string;
  stateUpdatedAt: number;
  metric: string;
  statistic: string;
  functionName?: string;
  version?: string;
  comparison: string;
  threshold: number;
  period: number;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  webhookUrl?: string;
}

const rule = (a: Alarm) =>
  `${a.statistic} ${a.metric}${a.functionName ? ` of ${a.functionName}${a.version ? `:${a.version}` : ''}` : ''} ${a.comparison} ${a.threshold} ` +
  `(${a.datapointsToAlarm}/${a.evaluationPeriods} x ${a.period}s)`;

/** Returns the process exit code (0 ok, 2 usage). API errors are thrown (ApiClientError). */
export async function alarmsCommand(api: WispClient, argv: string[], io: CommandIO = {}): Promise<number> {
  const out = io.out ?? process.stdout;
  const [sub, ...rest] = argv;
  const { positionals, flags } = parseArgs(rest, ['json', 'help']);
  const name = positionals[0];
  const path = (n: string) => `/wisp/v1/alarms/${encodeURIComponent(n)}`;
  try {
    switch (sub) {
      case 'ls':
      case 'list': {
        const q = new URLSearchParams();
        if (str(flags.state)) q.set('state', str(flags.state)!);
        if (str(flags.function)) q.set('function', str(flags.function)!);
        const r = await api.call<{ alarms: Alarm[] }>('GET', `/wisp/v1/alarms${q.size ? `?${q}` : ''}`);
        if (flags.json) return (out.write(JSON.stringify(r.alarms, null, 2) + '\n'), 0);
        if (r.alarms.length === 0) return (out.write('no alarms\n'), 0);
        const w = Math.max(4, ...r.alarms.map((a) => a.name.length));
        out.write(`${pad('STATE', 17)} ${pad('NAME', w)} RULE\n`);
        for (const a of r.alarms) out.write(`${pad(a.state, 17)} ${pad(a.name, w)} ${rule(a)}\n`);
        return 0;
      }
      case 'put':
      case 'create': {
        if (!name) throw new UsageError('alarms put: missing NAME');
        const body: Record<string, unknown> = {
          metric: str(flags.metric),
          threshold: num(flags.threshold, 'threshold'),
          statistic: str(flags.statistic),
          comparison: str(flags.comparison),
          period: num(flags.period, 'period'),
          evaluationPeriods: num(flags['evaluation-periods'], 'evaluation-periods'),
          datapointsToAlarm: num(flags['datapoints-to-alarm'], 'datapoints-to-alarm'),
          treatMissingData: str(flags['treat-missing-data']),
          functionName: str(flags.function),
          version: str(flags.version),
          webhookUrl: str(flags.webhook),
          description: str(flags.description),
        };
        for (const k of Object.keys(body)) if (body[k] === undefined) delete body[k];
        if (body.metric === undefined || body.threshold === undefined) throw new UsageError('alarms put: --metric and --threshold are required');
        const a = await api.call<Alarm>('PUT', path(name), body);
        out.write(`alarm ${a.name}: ${rule(a)} — ${a.state}\n`);
        return 0;
      }
      case 'get':
      case 'describe': {
        if (!name) throw new UsageError('alarms get: missing NAME');
        const a = await api.call<Alarm>('GET', path(name));
        out.write(JSON.stringify(a, null, 2) + '\n');
        return 0;
      }
      case 'rm':
      case 'delete': {
        if (!name) throw new UsageError('alarms rm: missing NAME');
        await api.call('DELETE', path(name));
        out.write(`deleted alarm ${name}\n`);
        return 0;
      }
      case 'history': {
        if (!name) throw new UsageError('alarms history: missing NAME');
        const limit = num(flags.limit, 'limit') ?? 50;
        const r = await api.call<{ history: { ts: number; type: string; summary: string }[] }>('GET', `${path(name)}/history?limit=${limit}`);
        if (flags.json) return (out.write(JSON.stringify(r.history, null, 2) + '\n'), 0);
        for (const h of r.history) out.write(`${new Date(h.ts).toISOString()} ${pad(h.type, 19)} ${h.summary}\n`);
        return 0;
      }
      default:
        throw new UsageError(sub ? `alarms: unknown subcommand ${sub}` : 'alarms: missing subcommand');
    }
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`wisp: ${e.message}\n${ALARMS_USAGE}`);
    return 2;
  }
}

function since(v: string | undefined): number {
  if (!v) return Date.now() - 3600_000;
  const m = /^(\d+)(s|m|h|d)$/.exec(v);
  if (m) return Date.now() - Number(m[1]) * { s: 1000, m: 60_000, h: 3600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd'];
  if (/^\d+$/.test(v)) return Number(v);
  throw new UsageError('--since must be like 30m, 2h, 1d or ms since the epoch');
}

export async function metricsCommand(api: WispClient, argv: string[], io: CommandIO = {}): Promise<number> {
  const out = io.out ?? process.stdout;
  const [sub, ...rest] = argv;
  const { positionals, flags } = parseArgs(rest, ['json']);
  try {
    switch (sub) {
      case 'ls':
      case 'list': {
        const r = await api.call<{ metrics: { name: string; unit: string; defaultStatistic: string }[]; series: { functionName: string; version: string; metric: string }[] }>(
          'GET',
          '/wisp/v1/metrics',
        );
        if (flags.json) return (out.write(JSON.stringify(r, null, 2) + '\n'), 0);
        out.write(`metrics: ${r.metrics.map((m) => m.name).join(', ')}\n`);
        const byFn = new Map<string, Set<string>>();
        for (const s of r.series) {
          const k = s.version ? `${s.functionName}:${s.version}` : s.functionName;
          if (!byFn.has(k)) byFn.set(k, new Set());
          byFn.get(k)!.add(s.metric);
        }
        for (const [k, ms] of byFn) out.write(`  ${k}: ${[...ms].join(', ')}\n`);
        return 0;
      }
      case 'get': {
        const metric = positionals[0];
        if (!metric) throw new UsageError('metrics get: missing METRIC');
        const q = new URLSearchParams({ start: String(since(str(flags.since))), period: String(num(flags.period, 'period') ?? 60) });
        if (str(flags.function)) q.set('function', str(flags.function)!);
        if (str(flags.version)) q.set('version', str(flags.version)!);
        if (str(flags.statistic)) q.set('statistic', str(flags.statistic)!);
        const r = await api.call<{ statistic: string; unit: string; datapoints: { ts: number; value: number }[] }>('GET', `/wisp/v1/metrics/${encodeURIComponent(metric)}?${q}`);
        if (flags.json) return (out.write(JSON.stringify(r, null, 2) + '\n'), 0);
        out.write(`# ${metric} ${r.statistic} (${r.unit})\n`);
        for (const d of r.datapoints) out.write(`${new Date(d.ts).toISOString()} ${Math.round(d.value * 1000) / 1000}\n`);
        return 0;
      }
      default:
        throw new UsageError(sub ? `metrics: unknown subcommand ${sub}` : 'metrics: missing subcommand');
    }
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`wisp: ${e.message}\n${METRICS_USAGE}`);
    return 2;
  }
}
