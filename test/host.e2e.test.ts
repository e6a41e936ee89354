// The runtime core over real HTTP: both shapes, tiers, errors and isolation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHost, type TestHost } from './helpers/host.js';

let host: TestHost;
const HOST_SECRET = `host-secret-${process.pid}`;

beforeAll(async () => {
  process.env.WISP_TEST_HOST_SECRET = HOST_SECRET;
  host = await startTestHost();
});
afterAll(async () => {
  await host?.close();
});

const text = async (r: Response) => ({ status: r.status, body: await r.text(), tier: r.headers.get('x-wisp-start') });

describe('serving both shapes', () => {
  it('answers hello-c (command, CGI) with Hello, X', async () => {
    const r = await host.get('/fn/hello-c/anything?name=Xavier');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await r.text()).toContain('Hello, Xavier');
  });

  it('answers hello-js (wasi:http) with Hello, X', async () => {
    const r = await host.get('/fn/hello-js/anything?name=Yolanda');
    expect(r.status).toBe(200);
    expect(await r.text()).toContain('Hello, Yolanda');
  });

  it('gives every response a request id, unique per request', async () => {
    const a = await host.get('/fn/hello-c/');
    const b = await host.get('/healthz');
    const ids = [a.headers.get('x-wisp-request-id'), b.headers.get('x-wisp-request-id')];
    expect(ids[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(ids[1]).toMatch(/^[0-9a-f-]{36}$/);
    expect(ids[0]).not.toBe(ids[1]);
    expect(await b.json()).toEqual({ status: 'ok' });
  });
});

describe('round trip of status, headers and a binary body', () => {
  it('passes every byte value through stdin and stdout unchanged', async () => {
    const body = new Uint8Array(70_000).map((_, i) => (i * 7 + (i >> 8)) & 0xff);
    const r = await host.get('/fn/echo-c/some/path?status=201', {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/x-binary', 'x-test': 'hdr-value' },
    });
    expect(r.status).toBe(201);
    expect(r.headers.get('content-type')).toBe('application/x-binary');
    expect(r.headers.get('x-echo-method')).toBe('POST');
    expect(r.headers.get('x-echo-path')).toBe('/some/path');
    expect(r.headers.get('x-echo-header')).toBe('hdr-value');
    expect(r.headers.get('x-multi')).toBe('a, b');
    expect(new Uint8Array(await r.arrayBuffer())).toEqual(body);
  });

  it('keeps a non-2xx status chosen by the guest', async () => {
    const r = await host.get('/fn/echo-c/?status=418');
    expect(r.status).toBe(418);
  });

  it('gives the wasi:http guest its path and query', async () => {
    const r = await host.get('/fn/counter-js/deep/path?q=1');
    expect(await r.text()).toMatch(/path=\/deep\/path\?q=1/);
  });
});

describe('start tiers', () => {
  it('goes cold on the first request, then warm', async () => {
    const first = await text(await host.get('/fn/echo-c/tiers'));
    const second = await text(await host.get('/fn/echo-c/tiers'));
    // echo-c may have been used above; a fresh function name pins the order.
    const a = await text(await host.get('/fn/other-c/'));
    const b = await text(await host.get('/fn/other-c/'));
    expect(a.tier).toBe('cold');
    expect(b.tier).toBe('warm');
    expect([first.tier, second.tier]).toContain('warm');
  });

  it('reuses one instance for a reuse function (hot), keeping its globals', async () => {
    const seen: { tier: string | null; body: string }[] = [];
    for (let i = 0; i < 4; i++) seen.push(await text(await host.get('/fn/counter-js/')));
    const counts = seen.map((s) => Number(/count=(\d+)/.exec(s.body)?.[1]));
    expect(seen.slice(1).map((s) => s.tier)).toEqual(['hot', 'hot', 'hot']);
    // Consecutive counts from one instance: 1 more per request.
    expect(counts.slice(1)).toEqual([counts[0]! + 1, counts[0]! + 2, counts[0]! + 3]);
  });

  it('serves from the pre-warmed pool when one is configured', async () => {
    const c = await text(await host.get('/fn/pooled-c/?name=P'));
    expect(c.tier).toBe('prewarmed');
    expect(c.body).toContain('Hello, P');
    const js = await text(await host.get('/fn/pooled-js/?name=Q'));
    expect(js.tier).toBe('prewarmed');
    expect(js.body).toContain('Hello, Q');
  });

  it('never hands one pooled instance to two concurrent requests', async () => {
    const rs = await Promise.all(Array.from({ length: 6 }, () => host.get('/fn/pooled-c/?name=C')));
    const bodies = await Promise.all(rs.map((r) => r.text()));
    expect(bodies.every((b) => b.includes('Hello, C'))).toBe(true);
    expect(rs.every((r) => r.status === 200)).toBe(true);
  });
});

describe('errors', () => {
  it('answers 404 FunctionNotFound for an unknown function', async () => {
    const r = await host.get('/fn/no-such-fn/x');
    expect(r.status).toBe(404);
    const j = (await r.json()) as { error: { code: string; message: string; requestId: string } };
    expect(j.error.code).toBe('FunctionNotFound');
    expect(j.error.requestId).toBe(r.headers.get('x-wisp-request-id'));
  });

  it('gives every data-plane error its request id (header and body)', async () => {
    for (const path of ['/fn', '/fn?x=1', '/fn/', '/fn//x', '/fn/no-such-fn', '/fn/hello-c:99/', '/fn/crash-c/?trap']) {
      const r = await host.get(path);
      expect(r.status, path).toBeGreaterThanOrEqual(400);
      const j = (await r.json()) as { error: { code: string; requestId: string } };
      expect(j.error.requestId, path).toMatch(/^[0-9a-f-]{36}$/);
      expect(r.headers.get('x-wisp-request-id'), path).toBe(j.error.requestId);
    }
  });

  it('takes the function name percent-decoded, and the rest of the path as the path', async () => {
    const r = await host.get('/fn/hello%2Dc/a/b?name=P');
    expect([r.status, await r.text()]).toEqual([200, 'Hello, P\n']);
    expect((await host.get('/fn/%ZZ/')).status).toBe(404); // malformed: taken as sent, no such function
  });

  it('answers 502 GuestTrap for a trap, and the next request still succeeds', async () => {
    const bad = await host.get('/fn/crash-c/?trap');
    expect(bad.status).toBe(502);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('GuestTrap');
    const good = await host.get('/fn/crash-c/');
    expect(good.status).toBe(200);
    expect(await good.text()).toBe('still alive\n');
  });

  it('answers 502 GuestExit for exit(3); the host lives on', async () => {
    const bad = await host.get('/fn/crash-c/?exit=3');
    expect(bad.status).toBe(502);
    const j = (await bad.json()) as { error: { code: string; message: string } };
    expect(j.error.code).toBe('GuestExit');
    expect((await host.get('/fn/crash-c/')).status).toBe(200);
  });

  it('answers 502 InvalidResponse when a command prints no CGI headers', async () => {
    const r = await host.get('/fn/crash-c/?garbage');
    expect(r.status).toBe(502);
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe('InvalidResponse');
  });

  it('logs stderr lines tagged with the request id', async () => {
    const r = await host.get('/fn/crash-c/?logme');
    const id = r.headers.get('x-wisp-request-id');
    const rec = host.log.records.find((x) => x.requestId === id);
    expect(rec?.result.logs).toEqual(['crash-c: query=logme']);
  });
});

describe('isolation', () => {
  let report: string;
  beforeAll(async () => {
    report = await (await host.get('/fn/probe-c/')).text();
  });

  it('sees its own configured env but not the host env or another function env', () => {
    expect(report).toContain('env SECRET_OF_PROBE=probe-only');
    expect(report).not.toContain(HOST_SECRET);
    expect(report).not.toContain('other-only');
    expect(report).not.toMatch(/env (PATH|HOME)=/);
    // An empty value stays empty (it once leaked the next variable through the adapter).
    expect(report).toMatch(/env QUERY_STRING=\n/);
  });

  it('gets argv = [function name]', () => {
    expect(report).toMatch(/argv\[0\]=probe-c\n/);
    expect(report).not.toContain('argv[1]');
  });

  it('cannot open or list any host file', () => {
    expect(report).not.toContain('OPENED');
    expect(report).not.toContain('content:');
    for (const p of ['/etc/passwd', '/etc/hostname', '../../../../etc/passwd', 'package.json']) {
      expect(report).toMatch(new RegExp(`open ${p.replace(/[./]/g, (m) => `\\${m}`)}: `));
    }
  });

  it('request headers cannot override the function env (httpoxy, config wins)', async () => {
    const r = await (await host.get('/fn/probe-c/', { headers: { proxy: 'http://evil', 'secret-of-probe': 'x' } })).text();
    expect(r).not.toContain('HTTP_PROXY');
    expect(r).toContain('env SECRET_OF_PROBE=probe-only');
  });
});
