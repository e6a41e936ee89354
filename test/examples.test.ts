// What `npm start` serves: every function in examples/functions.json, built from source and
// answering over real HTTP.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHost, type TestHost } from './helpers/host.js';
import { ROOT } from './helpers/paths.js';

const manifest = JSON.parse(readFileSync(join(ROOT, 'examples/functions.json'), 'utf8')) as { functions: { name: string }[] };
let host: TestHost;

beforeAll(async () => {
  host = await startTestHost({ functionsDir: join(ROOT, 'examples') });
});
afterAll(async () => {
  await host?.close();
});

describe('examples/functions.json', () => {
  it('lists every example directory', () => {
    const names = manifest.functions.map((f) => f.name);
    expect(names).toContain('hello-c');
    expect(names).toContain('hello-js');
    expect(new Set(names).size).toBe(names.length);
  });

  for (const { name } of manifest.functions) {
    if (name.startsWith('hello-')) {
      it(`${name} answers Hello, X`, async () => {
        const r = await host.get(`/fn/${name}/anything?name=Example`);
        expect(r.status).toBe(200);
        expect(await r.text()).toContain('Hello, Example');
      });
    } else if (name.startsWith('echo-')) {
      it(`${name} echoes a JSON body`, async () => {
        const r = await host.get(`/fn/${name}/path`, { method: 'POST', body: '{"k":[1,2,"three"]}', headers: { 'content-type': 'application/json' } });
        expect(r.status).toBe(200);
        expect(r.headers.get('content-type')).toMatch(/application\/json/);
        const text = await r.text();
        const j = JSON.parse(text) as { body: unknown };
        // Languages without a JSON parser (C, AssemblyScript) echo the body as a string.
        const body = typeof j.body === 'string' ? JSON.parse(j.body) : j.body;
        expect(body).toEqual({ k: [1, 2, 'three'] });
      });
    } else if (name.startsWith('sha256-')) {
      it(`${name} hashes the body`, async () => {
        const r = await host.get(`/fn/${name}/`, { method: 'POST', body: 'abc' });
        expect((await r.text()).trim()).toContain('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
      });
    }
  }
});
