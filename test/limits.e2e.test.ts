// Limits over real HTTP: every adversarial function, driven while a healthy function takes
// concurrent traffic. Each bad request gets its documented status and code; every healthy
// request succeeds; afterwards the host is back to its baseline (workers, memory).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHost, type TestHost } from './helpers/host.js';
import { until } from './helpers/until.js';

let host: TestHost;

beforeAll(async () => {
  host = await startTestHost({ engine: { minWorkers: 2, maxWorkers: 12, workerIdleMs: 500 } });
});
afterAll(async () => {
  await host?.close();
});

interface ErrorBody {
  error: { code: string; message: string; requestId: string };
}

async function call(path: string): Promise<{ status: number; code?: string; body: string; headers: Headers }> {
  const r = await host.get(path);
  const body = await r.text();
  let code: string | undefined;
  if (r.headers.get('content-type')?.includes('application/json')) code = (JSON.parse(body) as ErrorBody).error?.code;
  return { status: r.status, code, body, headers: r.headers };
}

const CASES: [path: string, status: number, code: string | undefined][] = [
  ['/fn/adv-c/?loop', 504, 'Timeout'],
  ['/fn/adv-c-fuel/?loop', 502, 'FuelExhausted'],
  ['/fn/adv-c/?recurse', 502, 'StackOverflow'],
  ['/fn/adv-c/?stack', 502, 'GuestTrap'],
  ['/fn/adv-c/?bomb', 502, 'MemoryLimitExceeded'],
  ['/fn/adv-c/?output', 502, 'ResponseTooLarge'],
  ['/fn/adv-c/?trap', 502, 'GuestTrap'],
  ['/fn/adv-c/?exit', 502, 'GuestExit'],
  ['/fn/adv-c/?clock', 504, 'Timeout'],
  ['/fn/adv-c/?sleep', 504, 'Timeout'],
  ['/fn/adv-c/?logs', 200, undefined],
  // Failures that take a while to reach (filling 256 MiB) run on adv-js-slow (20 s timeout),
  // so a loaded CI machine cannot turn them into Timeouts.
  ['/fn/adv-js/?loop', 504, 'Timeout'],
  ['/fn/adv-js/?clock', 504, 'Timeout'],
  // SpiderMonkey turns a refused grow into a JS out-of-memory exception; the guest answers 500.
  ['/fn/adv-js-slow/?bomb', 500, undefined],
  ['/fn/adv-js-slow/?output', 502, 'ResponseTooLarge'],
  ['/fn/adv-js-slow/?recurse', 500, undefined],
  ['/fn/adv-js-slow/?throw', 500, undefined],
];

describe('adversarial functions under concurrent healthy traffic', () => {
  async function storm() {
    let stop = false;
    const healthy: { status: number; body: string }[] = [];
    const healthyLoop = async () => {
      while (!stop) {
        const r = await call('/fn/hello-c/?name=healthy');
        healthy.push({ status: r.status, body: r.body });
      }
    };
    const loops = [healthyLoop(), healthyLoop()];
    const results = await Promise.all(CASES.map(([p]) => call(p)));
    stop = true;
    await Promise.all(loops);
    return { results, healthy };
  }

  async function settle(workers: number) {
    await until(() => host.engine.stats().workers === workers, 10_000, 'workers back to baseline');
    await new Promise((r) => setTimeout(r, 200));
    (globalThis as { gc?: () => void }).gc?.();
    return process.memoryUsage().rss;
  }

  it('gives each bad request its documented error and fails no healthy request', async () => {
    const warm = await call('/fn/hello-c/?name=warm');
    expect(warm.status).toBe(200);
    const baseline = { ...host.engine.stats() };

    const { results, healthy } = await storm();
    const got = results.map((r, i) => [CASES[i]![0], r.status, r.code]);
    expect(got).toEqual(CASES.map(([p, s, c]) => [p, s, c]));
    expect(healthy.length).toBeGreaterThan(10);
    expect(healthy.filter((h) => h.status !== 200 || !h.body.includes('Hello, healthy'))).toEqual([]);

    // Back to baseline: nothing busy or queued, extra workers stopped.
    expect(host.engine.stats().workersReplaced).toBeGreaterThanOrEqual(5); // each timeout replaced a worker
    const rss1 = await settle(baseline.workers);
    expect(host.engine.stats()).toMatchObject({ busyWorkers: 0, queued: 0, workers: baseline.workers });

    // No leak: each storm spawns ~14 workers holding 12 MB JS instances and 64-256 MiB guest
    // memories, so a leaked worker or instance shows up as hundreds of MiB per storm. RSS on
    // this VM wobbles by ~100 MiB between identical storms (allocator arenas of dead threads),
    // so the bound is two storms' worth of wobble above the higher of the first two readings
    // (one run read 573, 402, 697 MiB: the low middle reading was the outlier), far below the
    // two storms' worth of leak that storms 3 and 4 would add.
    await storm();
    const rss2 = await settle(baseline.workers);
    for (let i = 0; i < 2; i++) expect((await storm()).healthy.every((h) => h.status === 200)).toBe(true);
    const rss4 = await settle(baseline.workers);
    console.log(`rss after storms 1, 2, 4: ${[rss1, rss2, rss4].map((b) => (b / 1048576).toFixed(0)).join(', ')} MiB`);
    expect(rss4 - Math.max(rss1, rss2)).toBeLessThan(256 * 1024 * 1024);
  });

  it('tells a guest that survived a refused memory.grow why, in its log', async () => {
    const r = await call('/fn/adv-js-slow/?bomb');
    expect(r.status).toBe(500);
    const rec = host.log.records.find((x) => x.requestId === r.headers.get('x-wisp-request-id'));
    expect(rec?.result.logs).toContain("[wisp] memory.grow refused: the function's memory limit is 256 MiB");
    expect(rec?.result.memoryBytes).toBeLessThanOrEqual(256 * 1024 * 1024);
  });

  it('truncates a flood of log lines and marks it', async () => {
    const r = await call('/fn/adv-c/?logs');
    expect(r.status).toBe(200);
    const rec = host.log.records.find((x) => x.requestId === r.headers.get('x-wisp-request-id'));
    expect(rec?.result.logsTruncated).toBe(true);
    const bytes = rec!.result.logs.reduce((n, l) => n + l.length + 1, 0);
    expect(bytes).toBeLessThanOrEqual(256 * 1024 + 1);
  });

  it('reports fuel used per invocation, the same for the same input', async () => {
    const a = await call('/fn/adv-c/?fine');
    const b = await call('/fn/adv-c/?fine');
    expect(a.body).toBe('ok fine\n');
    const fa = Number(a.headers.get('x-wisp-fuel-used'));
    expect(fa).toBeGreaterThan(1000);
    expect(Number(b.headers.get('x-wisp-fuel-used'))).toBe(fa);
  });
});
