// Python (componentize-py, wasi:http) and Ruby (ruby.wasm, CGI command) front ends, end to end:
// the examples built from source and served over real HTTP, and build errors that name the
// author's file and line.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from '../../compiler/build.js';
import { BuildError } from '../../compiler/toolchain.js';
import { startTestHost, type TestHost } from '../helpers/host.js';
import { DATA_DIR, ROOT } from '../helpers/paths.js';

let dir: string;
let host: TestHost;

const example = (name: string) => join(ROOT, 'examples', name);

async function writeFiles(root: string, files: Record<string, string>): Promise<string> {
  for (const [name, text] of Object.entries(files)) {
    await mkdir(join(root, name, '..'), { recursive: true });
    await writeFile(join(root, name), text);
  }
  return root;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wisp-py-rb-'));
  // A Ruby function that fails at request time (Ruby has no build step that runs `handle`).
  const raising = await writeFiles(join(dir, 'raise-ruby'), {
    'app.rb': 'require_relative "lib/helper"\n\ndef handle(request)\n  Helper.explode(request.query["what"])\nend\n',
    'lib/helper.rb': 'module Helper\n  def self.explode(what)\n    raise ArgumentError, "boom from ruby: #{what}"\n  end\nend\n',
  });
  // A Python function split over modules (app.py + a package).
  const multi = await writeFiles(join(dir, 'multi-python'), {
    'app.py': 'from greet.words import greeting\n\n\ndef handle(request):\n    return greeting(request.query.get("name", "world"))\n',
    'greet/__init__.py': '',
    'greet/words.py': 'def greeting(name):\n    return f"Hello, {name} (from a package)\\n"\n',
  });
  const fns = [
    { name: 'hello-python', source: example('hello-python') },
    { name: 'echo-python', source: example('echo-python') },
    { name: 'multi-python', source: multi },
    { name: 'hello-ruby', source: example('hello-ruby') },
    { name: 'echo-ruby', source: example('echo-ruby') },
    { name: 'raise-ruby', source: raising },
  ].map((f) => ({ ...f, timeoutMs: 10_000 }));
  await writeFile(join(dir, 'functions.json'), JSON.stringify({ functions: fns }));
  host = await startTestHost({ functionsDir: dir });
}, 600_000);

afterAll(async () => {
  await host?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The response, or a failure that shows what the host logged for it. */
async function ok(r: Response): Promise<string> {
  const body = await r.text();
  if (r.status !== 200) {
    const rec = host.log.records.find((x) => x.requestId === r.headers.get('x-wisp-request-id'));
    throw new Error(`HTTP ${r.status}: ${body}\n${JSON.stringify(rec?.result.error)}\n${rec?.result.logs.join('\n')}`);
  }
  return body;
}

const postJson = (value: unknown): RequestInit => ({
  method: 'POST',
  body: JSON.stringify(value),
  headers: { 'content-type': 'application/json' },
});

describe.each(['python', 'ruby'])('%s examples over HTTP', (lang) => {
  it(`hello-${lang} answers GET ?name=X with Hello, X`, async () => {
    const r = await host.get(`/fn/hello-${lang}/anything?name=Xi%20Ng`);
    expect(await ok(r)).toContain('Hello, Xi Ng');
    expect(r.headers.get('content-type')).toMatch(/^text\/plain/);
  });

  it(`echo-${lang} round-trips a JSON body`, async () => {
    const value = { a: [1, 2.5, 'three', null, true], nested: { 'k é': 'ünïcødé ✓' } };
    const r = await host.get(`/fn/echo-${lang}/some/path?x=1`, postJson(value));
    const text = await ok(r);
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    expect(JSON.parse(text)).toEqual({ method: 'POST', path: '/some/path', body: value });
  });

  it(`echo-${lang} answers 400 for a body that is not JSON`, async () => {
    const r = await host.get(`/fn/echo-${lang}/`, { method: 'POST', body: '{not json' });
    expect(r.status).toBe(400);
    expect((await r.json()) as { error: string }).toHaveProperty('error');
  });
});

describe('python', () => {
  it('imports the function’s own modules and packages', async () => {
    expect(await ok(await host.get('/fn/multi-python/?name=Pkg'))).toBe('Hello, Pkg (from a package)\n');
  });

  it('fails the build of a syntax error with Python’s file and line', async () => {
    const src = await writeFiles(join(dir, 'broken-python'), {
      'app.py': 'def handle(request):\n    return "x"\n\n\ndef oops(:\n    pass\n',
    });
    const err = await build(src, { cacheDir: DATA_DIR }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BuildError);
    const msg = (err as BuildError).message;
    expect(msg).toMatch(/SyntaxError/);
    expect(msg).toContain(`File "${join(src, 'app.py')}", line 5`);
  });

  it('fails the build when a module raises at import, naming that module', async () => {
    const src = await writeFiles(join(dir, 'raising-python'), {
      'app.py': 'import settings\n\n\ndef handle(request):\n    return "x"\n',
      'settings.py': 'X = 1\nraise ValueError("bad setting")\n',
    });
    const err = await build(src, { cacheDir: DATA_DIR }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BuildError);
    const msg = (err as BuildError).message;
    expect(msg).toContain('ValueError: bad setting');
    expect(msg).toContain(`File "${join(src, 'settings.py')}", line 2`);
  });
});

describe('ruby', () => {
  it('fails the build of a syntax error with Ruby’s file and line', async () => {
    const src = await writeFiles(join(dir, 'broken-ruby'), {
      'app.rb': 'require_relative "util"\n\ndef handle(request)\n  "x"\nend\n',
      'util.rb': 'module Util\n  def self.x(\n    1\n  end\nend\n',
    });
    const err = await build(src, { cacheDir: DATA_DIR }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BuildError);
    const msg = (err as BuildError).message;
    expect(msg).toMatch(/SyntaxError/);
    expect(msg).toContain(`${join(src, 'util.rb')}:`);
  });

  it('answers 500 for an exception in handle and logs Ruby’s message and backtrace', async () => {
    const r = await host.get('/fn/raise-ruby/?what=kaput');
    expect(r.status).toBe(500);
    const rec = host.log.records.find((x) => x.requestId === r.headers.get('x-wisp-request-id'));
    const logs = rec?.result.logs.join('\n') ?? '';
    expect(logs).toContain('ArgumentError: boom from ruby: kaput');
    expect(logs).toMatch(/\/app\/lib\/helper\.rb:3/);
  });
});
