// Metrics, logs and alarms over a real host: a known sequence of invocations (cold, warm and hot
// starts, guest errors, throttles, a published version), then the numbers through the API, the
// Prometheus text and after a restart; an alarm that goes OK -> ALARM -> OK and notifies a
// webhook on 127.0.0.1 twice (the first POST fails once and is retried).

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WispClient } from '../../cli/client.js';
import { alarmsCommand, metricsCommand } from '../../runtime/monitoring/cli.js';
import type { MonitoringService } from '../../runtime/monitoring/index.js';
import { startTestHost, type TestHost } from '../helpers/host.js';
import { until } from '../helpers/until.js';

let host: TestHost;
let api: WispClient;
let dataDir: string;
let lastErrorAt = 0;
const tiers: Record<string, Record<string, number>> = {};

async function hit(path: string): Promise<Response> {
  const r = await host.get(path);
  await r.arrayBuffer();
  const tier = r.headers.get('x-wisp-start');
  const fn = path.split('/')[2]!.split(':')[0]!;
  if (tier) ((tiers[fn] ??= {})[tier] = (tiers[fn]?.[tier] ?? 0) + 1);
  return r;
}

/** The sum of a statistic over the last `minutes` (minute buckets from the DB). */
async function total(metric: string, q: Record<string, string> = {}, minutes = 10): Promise<number | null> {
  const p = new URLSearchParams({ start: String(Date.now() - minutes * 60_000), period: '60', ...q });
  const r = await api.call<{ datapoints: { value: number }[] }>('GET', `/wisp/v1/metrics/${metric}?${p}`);
  if (r.datapoints.length === 0) return null;
  const stat = q.statistic ?? 'Sum';
  const vals = r.datapoints.map((d) => d.value);
  return stat === 'Maximum' ? Math.max(...vals) : vals.reduce((a, b) => a + b, 0);
}

beforeAll(async () => {
  process.env.WISP_ALARM_EVAL_MS = '200';
  process.env.WISP_ALARM_RETRY_MS = '100';
  process.env.WISP_METRICS_FLUSH_MS = '500';
  host = await startTestHost();
  dataDir = host.dataDir;
  api = new WispClient({ endpoint: host.url });
});
afterAll(async () => {
  await host?.close();
});

describe('metrics after a known sequence of invocations', () => {
  it('runs the sequence', async () => {
    // hello-c: its modules are compiled already (pooled-c, prewarmed, shares its artifact): warm.
    for (const n of ['a', 'b', 'c']) expect((await hit(`/fn/hello-c/?name=${n}`)).status).toBe(200);
    // crash-c: two traps (502; the first one a cold start) and one fine answer.
    const first = await hit('/fn/crash-c/?trap');
    lastErrorAt = Date.now();
    expect([first.status, first.headers.get('x-wisp-start')]).toEqual([502, 'cold']);
    expect((await hit('/fn/crash-c/?trap')).headers.get('x-wisp-start')).toBe('warm');
    lastErrorAt = Date.now();
    const fine = await hit('/fn/crash-c/?fine');
    expect([fine.status, fine.headers.get('x-wisp-start')]).toEqual([200, 'warm']);
    // counter-js (reuse): cold, then hot.
    expect((await hit('/fn/counter-js/')).headers.get('x-wisp-start')).toBe('cold');
    expect((await hit('/fn/counter-js/')).headers.get('x-wisp-start')).toBe('hot');
    // echo-c: reserved concurrency 0 -> every call is throttled.
    await api.call('PUT', '/2017-10-31/functions/echo-c/concurrency', { ReservedConcurrentExecutions: 0 });
    expect((await hit('/fn/echo-c/')).status).toBe(429);
    expect((await hit('/fn/echo-c/')).status).toBe(429);
    await api.call('DELETE', '/2017-10-31/functions/echo-c/concurrency');
    // probe-c: a published version and $LATEST, and four at once.
    const v = await api.call<{ Version: string }>('POST', '/2015-03-31/functions/probe-c/versions', {});
    expect(v.Version).toBe('1');
    expect((await hit('/fn/probe-c:1/')).status).toBe(200);
    const burst = await Promise.all([1, 2, 3, 4].map(() => hit('/fn/probe-c/')));
    expect(burst.every((r) => r.status === 200)).toBe(true);
    // adv-c?sleep runs into its 1.5 s timeout (504): three of them are surely in flight at once.
    const slow = await Promise.all([1, 2, 3].map(() => hit('/fn/adv-c/?sleep')));
    expect(slow.map((r) => r.status)).toEqual([504, 504, 504]);
    lastErrorAt = Date.now();
    // An async event that failed for good (the dispatcher's hook; called directly here).
    (host.monitoring as MonitoringService).deadLettered('crash-c');
  });

  it('counts invocations, errors and throttles', async () => {
    expect(await total('Invocations', { function: 'hello-c' })).toBe(3);
    expect(await total('Errors', { function: 'hello-c' })).toBe(0);
    expect(await total('Invocations', { function: 'crash-c' })).toBe(3);
    expect(await total('Errors', { function: 'crash-c' })).toBe(2);
    expect(await total('Throttles', { function: 'echo-c' })).toBe(2);
    expect(await total('Invocations', { function: 'echo-c' })).toBeNull(); // throttled calls are not invocations
    expect(await total('DeadLetterErrors', { function: 'crash-c' })).toBe(1);
    expect(await total('Errors', { function: 'adv-c' })).toBe(3);
    // All functions: 3 + 3 + 2 + 1 + 4 + 3.
    expect(await total('Invocations')).toBe(16);
    expect(await total('Errors')).toBe(5);
  });

  it('counts starts by tier', async () => {
    expect(tiers['crash-c']).toEqual({ cold: 1, warm: 2 });
    expect(await total('ColdStarts', { function: 'crash-c' })).toBe(1);
    expect(await total('WarmStarts', { function: 'crash-c' })).toBe(2);
    expect(await total('WarmStarts', { function: 'hello-c' })).toBe(tiers['hello-c']!.warm ?? null);
    expect(await total('ColdStarts', { function: 'counter-js' })).toBe(1);
    expect(await total('HotStarts', { function: 'counter-js' })).toBe(1);
    // Every invocation has exactly one tier: the tier metrics add up to the headers seen.
    for (const [fn, byTier] of Object.entries(tiers)) {
      for (const [tier, n] of Object.entries(byTier)) {
        const metric = { cold: 'ColdStarts', warm: 'WarmStarts', hot: 'HotStarts', prewarmed: 'PrewarmedStarts' }[tier]!;
        expect(await total(metric, { function: fn }), `${fn} ${tier}`).toBe(n);
      }
    }
  });

  it('keeps Duration, FuelUsed, MemoryPeak and ConcurrentExecutions', async () => {
    expect(await total('Duration', { function: 'hello-c', statistic: 'SampleCount' })).toBe(3);
    const avg = await total('Duration', { function: 'hello-c', statistic: 'Average' });
    expect(avg).toBeGreaterThan(0);
    const p99 = await total('Duration', { function: 'hello-c', statistic: 'p99' });
    const max = await total('Duration', { function: 'hello-c', statistic: 'Maximum' });
    expect(p99).toBeGreaterThan(0);
    expect(p99!).toBeLessThanOrEqual(max!);
    expect(await total('FuelUsed', { function: 'hello-c' })).toBeGreaterThan(0);
    expect(await total('MemoryPeak', { function: 'hello-c', statistic: 'Maximum' })).toBeGreaterThanOrEqual(65536);
    // Three at once: the first to finish saw the other two still in flight.
    expect(await total('ConcurrentExecutions', { function: 'adv-c', statistic: 'Maximum' })).toBe(3);
    expect(await total('ConcurrentExecutions', { statistic: 'Maximum' })).toBeGreaterThanOrEqual(3);
  });

  it('separates versions', async () => {
    expect(await total('Invocations', { function: 'probe-c', version: '1' })).toBe(1);
    expect(await total('Invocations', { function: 'probe-c', version: '$LATEST' })).toBe(4);
    expect(await total('Invocations', { function: 'probe-c' })).toBe(5);
  });

  it('answers sub-minute periods from memory, and per-function summaries', async () => {
    const p = new URLSearchParams({ function: 'crash-c', period: '1', start: String(Date.now() - 5 * 60_000) });
    const r = await api.call<{ datapoints: { ts: number; value: number }[] }>('GET', `/wisp/v1/metrics/Errors?${p}`);
    expect(r.datapoints.reduce((a, d) => a + d.value, 0)).toBe(2);
    expect(r.datapoints.every((d) => d.ts % 1000 === 0)).toBe(true);
    const s = await api.call<{ metrics: Record<string, { statistic: string; datapoints: { value: number }[] }> }>('GET', '/wisp/v1/functions/hello-c/metrics?metrics=Invocations,Duration');
    expect(Object.keys(s.metrics)).toEqual(['Invocations', 'Duration']);
    expect(s.metrics.Invocations!.datapoints.reduce((a, d) => a + d.value, 0)).toBe(3);
    expect(s.metrics.Duration!.statistic).toBe('Average');
    const cat = await api.call<{ metrics: { name: string }[]; series: { functionName: string; metric: string }[] }>('GET', '/wisp/v1/metrics');
    expect(cat.metrics.map((m) => m.name)).toContain('ConcurrentExecutions');
    expect(cat.series).toContainEqual({ functionName: 'echo-c', version: '$LATEST', metric: 'Throttles' });
  });

  it('rejects bad queries and unsigned calls', async () => {
    await expect(api.call('GET', '/wisp/v1/metrics/Nope')).rejects.toMatchObject({ status: 404 });
    await expect(api.call('GET', '/wisp/v1/metrics/Errors?period=90')).rejects.toMatchObject({ status: 400 });
    await expect(api.call('GET', '/wisp/v1/metrics/Errors?statistic=Median')).rejects.toMatchObject({ status: 400 });
    expect((await host.get('/wisp/v1/metrics/Errors')).status).toBe(403);
    expect((await host.get('/wisp/v1/alarms')).status).toBe(403);
  });

  it('serves the Prometheus text at /metrics', async () => {
    const r = await host.get('/metrics');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await r.text();
    expect(text).toContain('# TYPE wisp_invocations_total counter');
    expect(text).toContain('wisp_invocations_total{function="hello-c",version="$LATEST"} 3');
    expect(text).toContain('wisp_errors_total{function="crash-c",version="$LATEST"} 2');
    expect(text).toContain('wisp_throttles_total{function="echo-c",version="$LATEST"} 2');
    expect(text).toContain('wisp_starts_total{function="crash-c",version="$LATEST",tier="cold"} 1');
    expect(text).toContain('wisp_starts_total{function="crash-c",version="$LATEST",tier="warm"} 2');
    expect(text).toContain('wisp_invocations_total{function="probe-c",version="1"} 1');
    expect(text).toContain('wisp_duration_seconds_count{function="hello-c",version="$LATEST"} 3');
    expect(text).toContain('wisp_duration_seconds_bucket{function="hello-c",version="$LATEST",le="+Inf"} 3');
    expect(text).toContain('wisp_dead_letter_errors_total{function="crash-c"} 1');
    expect(text).toMatch(/^wisp_concurrent_executions_all 0$/m);
    // Every sample line is `name{labels} number`.
    for (const line of text.split('\n').filter((l) => l && !l.startsWith('#'))) expect(line).toMatch(/^[a-z_]+(\{[^}]*\})? -?[0-9.e+-]+$/);
  });
});

describe('invocation logs', () => {
  it('returns the guest lines and REPORT lines of a function', async () => {
    const r = await api.call<{ events: { message: string; requestId: string }[] }>('GET', '/wisp/v1/functions/crash-c/logs?filter=REPORT');
    expect(r.events).toHaveLength(3);
    expect(r.events.filter((e) => /Error: GuestTrap/.test(e.message))).toHaveLength(2);
    const guest = await api.call<{ events: { message: string }[] }>('GET', '/wisp/v1/functions/crash-c/logs?filter=query%3Dtrap');
    expect(guest.events.map((e) => e.message)).toEqual(['crash-c: query=trap', 'crash-c: query=trap']);
  });

  it("returns one invocation's lines by request id (no index on request_id since migration 4)", async () => {
    const reports = await api.call<{ events: { message: string; requestId: string }[] }>('GET', '/wisp/v1/functions/crash-c/logs?filter=GuestTrap');
    const id = reports.events[0]!.requestId;
    const one = await api.call<{ events: { message: string; requestId: string }[] }>('GET', `/wisp/v1/functions/crash-c/logs?requestId=${id}`);
    expect(one.events.length).toBeGreaterThanOrEqual(2); // its guest line and its REPORT line
    expect(one.events.every((e) => e.requestId === id)).toBe(true);
    expect(one.events.some((e) => e.message.includes(`RequestId: ${id}`))).toBe(true);
  });
});

describe('alarms', () => {
  let hook: Server;
  let hookUrl: string;
  const received: Record<string, any>[] = [];
  let posts = 0;

  beforeAll(async () => {
    hook = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        posts++;
        // The very first POST fails: the notification must be retried.
        if (posts === 1) return void res.writeHead(500).end('try again');
        received.push(JSON.parse(body));
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
  });
  afterAll(() => new Promise<void>((r) => hook.close(() => r())));

  const state = async (name: string) => (await api.call<{ state: string }>('GET', `/wisp/v1/alarms/${name}`)).state;

  it('validates rules', async () => {
    await expect(api.call('PUT', '/wisp/v1/alarms/bad', { metric: 'Nope', threshold: 1 })).rejects.toMatchObject({ status: 400 });
    await expect(api.call('PUT', '/wisp/v1/alarms/bad', { metric: 'Errors', threshold: 1, period: 90 })).rejects.toMatchObject({ status: 400 });
    await expect(api.call('PUT', '/wisp/v1/alarms/bad', { metric: 'Errors', threshold: 1, comparison: '==' })).rejects.toMatchObject({ status: 400 });
    await expect(api.call('PUT', '/wisp/v1/alarms/bad', { metric: 'Errors', threshold: 1, webhookUrl: 'file:///etc/passwd' })).rejects.toMatchObject({ status: 400 });
    await expect(api.call('GET', '/wisp/v1/alarms/nope')).rejects.toMatchObject({ status: 404 });
  });

  it('goes OK -> ALARM -> OK and posts two notifications', async () => {
    // Start from a quiet crash-c: its earlier errors must be out of the alarm's 3 s window.
    await new Promise((r) => setTimeout(r, Math.max(0, lastErrorAt + 3500 - Date.now())));
    const created = await api.raw('PUT', '/wisp/v1/alarms/crash-errors', {
      functionName: 'crash-c',
      metric: 'Errors',
      statistic: 'Sum',
      threshold: 1,
      comparison: 'GreaterThanOrEqualToThreshold',
      // Any error in the last 3 s (M of N: tolerant of a slow trap leaving one second empty).
      period: 1,
      evaluationPeriods: 3,
      datapointsToAlarm: 1,
      treatMissingData: 'notBreaching',
      webhookUrl: hookUrl,
      description: 'crash-c traps',
    });
    expect(created.status).toBe(201);
    expect(JSON.parse(new TextDecoder().decode(created.body))).toMatchObject({ name: 'crash-errors', state: 'INSUFFICIENT_DATA' });
    // The first evaluation settles it (no notification for a new rule found OK).
    await until(async () => ((await state('crash-errors')) === 'OK' ? true : undefined), 30_000, 'OK');

    // Errors every 100 ms until the alarm fires.
    let firing = true;
    const load = (async () => {
      while (firing) {
        await hit('/fn/crash-c/?trap');
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    try {
      await until(async () => ((await state('crash-errors')) === 'ALARM' ? true : undefined), 30_000, 'ALARM');
    } finally {
      firing = false;
      await load;
    }
    await until(async () => ((await state('crash-errors')) === 'OK' ? true : undefined), 30_000, 'OK again');
    await until(() => (received.length >= 2 ? true : undefined), 10_000, 'two notifications');
    await new Promise((r) => setTimeout(r, 500)); // nothing more arrives

    expect(received).toHaveLength(2);
    expect(posts).toBe(3); // one failed attempt, then two deliveries
    expect(received[0]).toMatchObject({ alarmName: 'crash-errors', oldState: 'OK', newState: 'ALARM', metric: 'Errors', functionName: 'crash-c', threshold: 1 });
    expect(received[0]!.reason).toMatch(/Threshold Crossed/);
    expect(received[1]).toMatchObject({ alarmName: 'crash-errors', oldState: 'ALARM', newState: 'OK' });

    const h = await api.call<{ history: { type: string; summary: string; data: Record<string, unknown> }[] }>('GET', '/wisp/v1/alarms/crash-errors/history');
    const states = h.history.filter((x) => x.type === 'StateUpdate').map((x) => `${x.data.oldState}->${x.data.newState}`);
    expect(states).toEqual(['INSUFFICIENT_DATA->OK', 'OK->ALARM', 'ALARM->OK']);
    const attempts = h.history.filter((x) => x.type === 'Notification').map((x) => [x.data.attempt, x.data.ok, x.data.status]);
    expect(attempts).toEqual([
      [1, false, 500],
      [2, true, 204],
      [1, true, 204],
    ]);
  });

  it('lists, shows history and deletes through the CLI functions', async () => {
    let out = '';
    const sink = new Writable({ write: (c, _e, cb) => ((out += c), cb()) });
    expect(await alarmsCommand(api, ['put', 'hello-slow', '--function', 'hello-c', '--metric', 'Duration', '--statistic', 'p99', '--threshold', '2000', '--comparison', '>'], { out: sink })).toBe(0);
    expect(out).toMatch(/alarm hello-slow: p99 Duration of hello-c GreaterThanThreshold 2000/);
    out = '';
    expect(await alarmsCommand(api, ['ls'], { out: sink })).toBe(0);
    expect(out).toMatch(/^OK\s+crash-errors\s+Sum Errors of crash-c/m);
    expect(out).toMatch(/hello-slow/);
    out = '';
    expect(await alarmsCommand(api, ['ls', '--state', 'ALARM'], { out: sink })).toBe(0);
    expect(out).toBe('no alarms\n');
    out = '';
    expect(await alarmsCommand(api, ['history', 'crash-errors'], { out: sink })).toBe(0);
    expect(out).toMatch(/StateUpdate\s+Alarm updated from OK to ALARM/);
    expect(out).toMatch(/Notification\s+Notification \(ALARM\) to http:\/\/127\.0\.0\.1:\d+\/hook failed: HTTP 500/);
    out = '';
    expect(await alarmsCommand(api, ['rm', 'hello-slow'], { out: sink })).toBe(0);
    await expect(api.call('GET', '/wisp/v1/alarms/hello-slow')).rejects.toMatchObject({ status: 404 });
    out = '';
    expect(await metricsCommand(api, ['get', 'Invocations', '--function', 'hello-c', '--since', '10m'], { out: sink })).toBe(0);
    expect(out).toMatch(/^# Invocations Sum \(Count\)\n/);
  });
});

describe('storage', () => {
  it('keeps minute buckets in the registry DB across a restart', async () => {
    await api.call('DELETE', '/wisp/v1/alarms/crash-errors');
    const before = await total('Invocations', { function: 'hello-c' });
    await host.close();
    host = await startTestHost({ dataDir });
    api = new WispClient({ endpoint: host.url });
    expect(await total('Invocations', { function: 'hello-c' })).toBe(before);
    expect(await total('Throttles', { function: 'echo-c' })).toBe(2);
  });
});
