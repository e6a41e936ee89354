// TypeScript and AssemblyScript front ends, the JS/C/TS/AssemblyScript examples and the
// `wisp new` templates, built from source and served over real HTTP.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build, detectLang } from '../../compiler/build.js';
import { BuildError } from '../../compiler/toolchain.js';
import { startTestHost, type TestHost } from '../helpers/host.js';
import { DATA_DIR, ROOT } from '../helpers/paths.js';

const EXAMPLES = join(ROOT, 'examples');
const TEMPLATES = join(ROOT, 'compiler', 'templates');

let tmp: string;
let host: TestHost;

async function listTree(dir: string, root = dir): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listTree(p, root)));
    else out.push(relative(root, p));
  }
  return out;
}

/** What `wisp new` does: copy a template, replacing {{name}} in every file. */
async function fromTemplate(lang: string, name: string): Promise<string> {
  const dest = join(tmp, name);
  for (const f of await listTree(join(TEMPLATES, lang))) {
    const text = await readFile(join(TEMPLATES, lang, f), 'utf8');
    await mkdir(dirname(join(dest, f)), { recursive: true });
    await writeFile(join(dest, f), text.replaceAll('{{name}}', name));
  }
  return dest;
}

async function buildError(src: string): Promise<BuildError> {
  try {
    await build(src, { cacheDir: DATA_DIR });
  } catch (e) {
    if (e instanceof BuildError) return e;
    throw e;
  }
  throw new Error(`${src} built, expected a BuildError`);
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'wisp-ts-as-'));
  // A bare TypeScript file next to unrelated files, built as a file (not its directory).
  const bareDir = join(tmp, 'bare');
  await mkdir(bareDir);
  const bare = join(bareDir, 'index.ts');
  await writeFile(
    bare,
    `const greeting: string = 'Hello';
addEventListener('fetch', (event: any) => {
  const name = new URL(event.request.url).searchParams.get('name') ?? 'world';
  event.respondWith(new Response(\`\${greeting}, \${name} (bare)\\n\`));
});
`,
  );
  await writeFile(join(bareDir, 'notes.txt'), 'not a source\n');
  const fns: Record<string, string> = {
    'hello-ts': join(EXAMPLES, 'hello-ts'),
    'echo-ts': join(EXAMPLES, 'echo-ts'),
    'hello-as': join(EXAMPLES, 'hello-assemblyscript'),
    'echo-as': join(EXAMPLES, 'echo-assemblyscript'),
    'echo-js': join(EXAMPLES, 'echo-js'),
    'sha256-js': join(EXAMPLES, 'sha256-js'),
    'echo-c': join(EXAMPLES, 'echo-c'),
    'sha256-c': join(EXAMPLES, 'sha256-c'),
    'bare-ts': bare,
  };
  for (const lang of ['js', 'ts', 'c', 'assemblyscript']) fns[`tpl-${lang}`] = await fromTemplate(lang, `tpl-${lang}`);
  const functions = Object.entries(fns).map(([name, source]) => ({ name, source }));
  const functionsDir = join(tmp, 'fns');
  await mkdir(functionsDir);
  await writeFile(join(functionsDir, 'functions.json'), JSON.stringify({ functions }, null, 2));
  host = await startTestHost({ functionsDir });
});

afterAll(async () => {
  await host?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('language detection', () => {
  it('takes a bare .ts file (or .ts modules) for TypeScript, asconfig.json for AssemblyScript', () => {
    expect(detectLang(['index.ts'])).toBe('ts');
    expect(detectLang(['index.ts', 'lib.ts'])).toBe('ts');
    expect(detectLang(['asconfig.json', 'assembly/index.ts'])).toBe('assemblyscript');
  });
});

describe('hello in every language', () => {
  for (const fn of ['hello-ts', 'hello-as', 'bare-ts', 'tpl-js', 'tpl-ts', 'tpl-c', 'tpl-assemblyscript']) {
    it(`${fn} answers ?name=X with Hello, X`, async () => {
      const r = await host.get(`/fn/${fn}/anything?name=Xavier`);
      expect(r.status).toBe(200);
      expect(await r.text()).toContain('Hello, Xavier');
    });
  }

  it('decodes the query in TypeScript and AssemblyScript', async () => {
    for (const fn of ['hello-ts', 'hello-as']) {
      expect(await (await host.get(`/fn/${fn}/?name=J%C3%BCrgen+Z`)).text()).toContain('Hello, Jürgen Z');
      expect(await (await host.get(`/fn/${fn}/`)).text()).toContain('Hello, world');
    }
  });

  it('builds the artifacts with the expected shape and language (cached by the host start)', async () => {
    const meta = async (src: string) => (await build(src, { cacheDir: DATA_DIR })).meta;
    expect(await meta(join(EXAMPLES, 'hello-ts'))).toMatchObject({ shape: 'http', lang: 'ts' });
    expect(await meta(join(tmp, 'bare', 'index.ts'))).toMatchObject({ shape: 'http', lang: 'ts' });
    expect(await meta(join(EXAMPLES, 'hello-assemblyscript'))).toMatchObject({ shape: 'command', lang: 'assemblyscript' });
    expect(await meta(join(tmp, 'tpl-assemblyscript'))).toMatchObject({ shape: 'command', lang: 'assemblyscript' });
  });
});

describe('JSON echo', () => {
  const doc = { a: [1, 'two\n"q"'], ü: null, nested: { t: true, n: -1.5e3 }, ctl: '\u0001\t\\' };
  const sent = JSON.stringify(doc);

  for (const fn of ['echo-js', 'echo-ts']) {
    it(`${fn} answers {method, path, body: <parsed>}`, async () => {
      const r = await host.get(`/fn/${fn}/some/path?x=1`, { method: 'POST', body: sent, headers: { 'content-type': 'application/json' } });
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toBe('application/json');
      expect(await r.json()).toEqual({ method: 'POST', path: '/some/path', body: doc });
    });
  }

  it('echo-js and echo-ts answer 400 to a body that is not JSON', async () => {
    for (const fn of ['echo-js', 'echo-ts']) {
      const r = await host.get(`/fn/${fn}/`, { method: 'POST', body: '{nope' });
      expect(r.status).toBe(400);
      expect(((await r.json()) as { error: string }).error).toMatch(/invalid JSON/);
    }
  });

  for (const fn of ['echo-c', 'echo-as']) {
    it(`${fn} answers {method, path, body: <raw body as a JSON string>}`, async () => {
      const r = await host.get(`/fn/${fn}/some/path?x=1`, { method: 'POST', body: sent, headers: { 'content-type': 'application/json' } });
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toBe('application/json');
      const j = (await r.json()) as { method: string; path: string; body: string };
      expect(j).toEqual({ method: 'POST', path: '/some/path', body: sent });
      expect(JSON.parse(j.body)).toEqual(doc);
    });

    it(`${fn} reads a large body (200 KB) from stdin whole`, async () => {
      const big = JSON.stringify({ data: 'x'.repeat(200_000) });
      const r = await host.get(`/fn/${fn}/`, { method: 'PUT', body: big });
      const j = (await r.json()) as { method: string; body: string };
      expect(j.method).toBe('PUT');
      expect(j.body).toBe(big);
    });
  }
});

describe('sha256', () => {
  const hex = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
  // Sizes around the 64-byte block and the 56-byte padding boundary, plus a 1 MB body.
  const bodies = [0, 1, 55, 56, 63, 64, 65, 1000, 1_000_000].map((n) => new Uint8Array(randomBytes(n)));

  for (const fn of ['sha256-js', 'sha256-c']) {
    it(`${fn} equals node:crypto's digest`, async () => {
      for (const body of bodies) {
        const r = await host.get(`/fn/${fn}/`, { method: 'POST', body });
        expect(r.status).toBe(200);
        expect((await r.text()).trim()).toBe(hex(body));
      }
    });
  }
});

describe('build errors', () => {
  it('a TypeScript syntax error names file:line (esbuild)', async () => {
    const dir = join(tmp, 'broken-ts');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'index.ts'), "import { greet } from './greet.js';\naddEventListener('fetch', () => greet());\n");
    await writeFile(join(dir, 'greet.ts'), 'export function greet(): string {\n  return "hi"\n  const x = ;\n}\n');
    const e = await buildError(dir);
    expect(e.message).toMatch(/esbuild/);
    expect(e.message).toMatch(/greet\.ts:3:\d+: error: Unexpected ";"/);
  });

  it('an unresolvable import names file:line', async () => {
    const dir = join(tmp, 'broken-ts-import');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'index.ts'), "import { nope } from './missing';\nconsole.log(nope);\n");
    const e = await buildError(dir);
    expect(e.message).toMatch(/index\.ts:1:\d+: error: Could not resolve "\.\/missing"/);
  });

  it('an AssemblyScript error shows asc diagnostics with file(line,col)', async () => {
    const dir = join(tmp, 'broken-as');
    await mkdir(join(dir, 'assembly'), { recursive: true });
    await writeFile(join(dir, 'asconfig.json'), '{}\n');
    await writeFile(join(dir, 'assembly', 'index.ts'), '// fine\nconst n: i32 = "not a number";\nprocess.stdout.write(n.toString());\n');
    const e = await buildError(dir);
    expect(e.message).toMatch(/asc failed/);
    expect(e.message).toMatch(/TS2322/);
    expect(e.message).toMatch(/assembly\/index\.ts\(2,\d+\)/);
  });

  it('an AssemblyScript syntax error too', async () => {
    const dir = join(tmp, 'broken-as-syntax');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'asconfig.json'), '{}\n');
    await writeFile(join(dir, 'index.ts'), 'let a = 1;\n\nlet b = ;\n');
    const e = await buildError(dir);
    expect(e.message).toMatch(/index\.ts\(3,\d+\)/);
  });
});
