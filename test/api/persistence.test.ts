// Crash safety of the registry and the Event queue: a host process killed with SIGKILL (also in
// the middle of a deploy, also with queued events) restarts with everything it had recorded.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { WispClient } from '../../cli/client.js';
import { zipOf } from '../helpers/aws.js';
import { startChildHost, type ChildHost } from '../helpers/child-host.js';
import { ROOT } from '../helpers/paths.js';
import { until } from '../helpers/until.js';

const ECHO = 'test/fixtures/echo-c/main.c';
const b64 = (u: Uint8Array) => Buffer.from(u).toString('base64');
const JS_V1 = `addEventListener('fetch', (e) => e.respondWith(new Response('js v1')));\n`;
const JS_V2 = `addEventListener('fetch', (e) => e.respondWith(new Response('js v2')));\n`;

let hosts: ChildHost[] = [];
afterAll(async () => {
  await Promise.all(hosts.map((h) => h.kill()));
});

async function start(dataDir: string): Promise<{ host: ChildHost; api: WispClient }> {
  const host = await startChildHost(dataDir, { WISP_RETRY_BASE_MS: '50' });
  hosts.push(host);
  return { host, api: new WispClient({ endpoint: host.url }) };
}

function events(dataDir: string): { status: string; attempts: number; payload: string }[] {
  const db = new Database(join(dataDir, 'registry.db'), { readonly: true });
  try {
    return (db.prepare('SELECT status, attempts, payload FROM events ORDER BY created_at').all() as { status: string; attempts: number; payload: Buffer }[]).map(
      (r) => ({ status: r.status, attempts: r.attempts, payload: r.payload.toString() }),
    );
  } finally {
    db.close();
  }
}

describe('restart after SIGKILL', () => {
  it('keeps functions, versions, aliases and queued events; delivers each event once', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'wisp-persist-'));
    let { host, api } = await start(dataDir);
    await api.call('POST', '/2015-03-31/functions', {
      FunctionName: 'p-echo',
      Runtime: 'c',
      Role: 'r',
      Handler: 'main',
      Code: { ZipFile: b64(zipOf({ 'main.c': ECHO }, ROOT)) },
    });
    await api.call('POST', '/2015-03-31/functions/p-echo/versions', { Description: 'v1' });
    await api.call('POST', '/2015-03-31/functions/p-echo/aliases', { Name: 'prod', FunctionVersion: '1' });
    // Reserved concurrency 0: the events wait in the queue instead of running.
    await api.call('PUT', '/2017-10-31/functions/p-echo/concurrency', { ReservedConcurrentExecutions: 0 });
    for (let i = 0; i < 5; i++) {
      const r = await api.raw('POST', '/2015-03-31/functions/p-echo/invocations', { n: i }, { 'x-amz-invocation-type': 'Event' });
      expect(r.status).toBe(202);
    }
    expect(events(dataDir).map((e) => e.status)).toEqual(['queued', 'queued', 'queued', 'queued', 'queued']);
    await host.kill('SIGKILL');

    ({ host, api } = await start(dataDir));
    const fn = await api.call('GET', '/2015-03-31/functions/p-echo');
    expect(fn.Configuration.FunctionName).toBe('p-echo');
    expect((await api.call('GET', '/2015-03-31/functions/p-echo/versions')).Versions.map((v: { Version: string }) => v.Version)).toEqual(['$LATEST', '1']);
    expect((await api.call('GET', '/2015-03-31/functions/p-echo/aliases/prod')).FunctionVersion).toBe('1');
    expect(events(dataDir).filter((e) => e.status === 'queued')).toHaveLength(5);

    await api.raw('DELETE', '/2017-10-31/functions/p-echo/concurrency');
    await until(() => events(dataDir).every((e) => e.status === 'done'), 30_000, 'every event done');
    const done = events(dataDir);
    expect(done.map((e) => JSON.parse(e.payload).n)).toEqual([0, 1, 2, 3, 4]);
    expect(done.every((e) => e.attempts === 1)).toBe(true);
    const r = await fetch(`${host.url}/fn/p-echo:prod/`, { method: 'POST', body: 'after restart' });
    expect(await r.text()).toBe('after restart');
    await host.kill('SIGKILL');
  });

  it('leaves no half-deployed function when killed in the middle of a deploy', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'wisp-persist-'));
    let { host, api } = await start(dataDir);
    await api.call('POST', '/2015-03-31/functions', {
      FunctionName: 'p-js',
      Runtime: 'js',
      Role: 'r',
      Handler: 'index',
      Code: { ZipFile: b64(zipOf({ 'index.js': JS_V1 })) },
    });
    const before = await api.call('GET', '/2015-03-31/functions/p-js/configuration');
    // Both deploys take seconds (componentize + instrument): kill while they build.
    void api.raw('PUT', '/2015-03-31/functions/p-js/code', { ZipFile: b64(zipOf({ 'index.js': JS_V2 })) }).catch(() => undefined);
    void api
      .raw('POST', '/2015-03-31/functions', { FunctionName: 'p-new', Runtime: 'js', Role: 'r', Handler: 'index', Code: { ZipFile: b64(zipOf({ 'index.js': JS_V2 })) } })
      .catch(() => undefined);
    await new Promise((r) => setTimeout(r, 1500));
    await host.kill('SIGKILL');

    ({ host, api } = await start(dataDir));
    const after = await api.call('GET', '/2015-03-31/functions/p-js/configuration');
    expect(after.CodeSha256).toBe(before.CodeSha256);
    expect(after.RevisionId).toBe(before.RevisionId);
    expect(await (await fetch(`${host.url}/fn/p-js/`)).text()).toBe('js v1');
    const missing = await api.raw('GET', '/2015-03-31/functions/p-new');
    expect(missing.status).toBe(404);
    // The interrupted deploy can simply be run again.
    await api.call('PUT', '/2015-03-31/functions/p-js/code', { ZipFile: b64(zipOf({ 'index.js': JS_V2 })) });
    expect(await (await fetch(`${host.url}/fn/p-js/`)).text()).toBe('js v2');
    await host.kill('SIGKILL');
  });
});
