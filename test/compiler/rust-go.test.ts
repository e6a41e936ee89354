// Rust and Go front ends: the examples and templates built by the real toolchains (Debian rustc
// 1.63 for wasm32-wasi, Go's GOOS=wasip1), served by a real host over HTTP, plus build errors
// with the toolchain's own file:line and a one-line message for a missing toolchain.
import { createHash } from 'node:crypto';
import { cp, mkdtemp, readFile, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build, detectLang } from '../../compiler/build.js';
import { go } from '../../compiler/languages/go.js';
import { cargoPackageName, rust } from '../../compiler/languages/rust.js';
import { BuildError, run } from '../../compiler/toolchain.js';
import { startTestHost, type TestHost } from '../helpers/host.js';
import { DATA_DIR, ROOT } from '../helpers/paths.js';

const EXAMPLES = join(ROOT, 'examples');
const TEMPLATES = join(ROOT, 'compiler', 'templates');

let tmp: string;
let host: TestHost;

/** A template instantiated the way `wisp new LANG NAME` does: {{name}} replaced in every file. */
async function fromTemplate(lang: string, name: string): Promise<string> {
  const dir = join(tmp, name);
  await cp(join(TEMPLATES, lang), dir, { recursive: true });
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else await writeFile(p, (await readFile(p, 'utf8')).replaceAll('{{name}}', name));
    }
  };
  await walk(dir);
  return dir;
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'wisp-rust-go-'));
  const functions = [
    { name: 'hello-rust', source: join(EXAMPLES, 'hello-rust') },
    { name: 'echo-rust', source: join(EXAMPLES, 'echo-rust') },
    { name: 'sha256-rust', source: join(EXAMPLES, 'sha256-rust') },
    { name: 'hello-go', source: join(EXAMPLES, 'hello-go') },
    { name: 'echo-go', source: join(EXAMPLES, 'echo-go') },
    { name: 'tpl-rust', source: await fromTemplate('rust', 'tpl-rust') },
    { name: 'tpl-go', source: await fromTemplate('go', 'tpl-go') },
  ];
  await writeFile(join(tmp, 'functions.json'), JSON.stringify({ functions }));
  host = await startTestHost({ functionsDir: tmp, dataDir: DATA_DIR });
});

afterAll(async () => {
  await host?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe.each(['rust', 'go'])('%s examples over HTTP', (lang) => {
  it(`hello-${lang} answers Hello, X`, async () => {
    const r = await host.get(`/fn/hello-${lang}/anything?name=Xavier`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await r.text()).toContain('Hello, Xavier');
  });

  it(`hello-${lang} decodes the query and defaults the name`, async () => {
    expect(await (await host.get(`/fn/hello-${lang}/?name=J%C3%BCrgen+M`)).text()).toContain('Hello, Jürgen M');
    expect(await (await host.get(`/fn/hello-${lang}/`)).text()).toContain('Hello, world');
  });

  it(`echo-${lang} round-trips a JSON body inside the envelope`, async () => {
    const payload = { a: 1, s: 'x"y\\z\n', list: [true, null, 2.5e3], nested: { k: 'ü' } };
    const r = await host.get(`/fn/echo-${lang}/some/path?x=1&y=2`, {
      method: 'POST',
      body: JSON.stringify(payload),
      headers: { 'content-type': 'application/json' },
    });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/json');
    expect(await r.json()).toMatchObject({ method: 'POST', path: '/some/path', query: 'x=1&y=2', body: payload });
  });

  it(`echo-${lang} echoes a non-JSON body as a string`, async () => {
    const body = 'not json {"\n\ttab\u0001';
    const r = await host.get(`/fn/echo-${lang}/`, { method: 'PUT', body, headers: { 'content-type': 'text/plain' } });
    expect(await r.json()).toMatchObject({ method: 'PUT', path: '/', query: '', body });
  });

  // Regression: the preview1 adapter's state pages must not be handed out by the guest's heap
  // (compiler/languages/rust.ts, go.ts): bodies past ~1 MB used to trap.
  it(`echo-${lang} survives a 3 MiB body (heap growth after the adapter's allocation)`, async () => {
    const body = 'x'.repeat(3 << 20);
    const r = await host.get(`/fn/echo-${lang}/big`, { method: 'POST', body });
    expect(r.status).toBe(200);
    expect((await r.json()).body).toBe(body);
  });

  it(`the ${lang} template (wisp new ${lang} NAME) builds and answers`, async () => {
    const r = await host.get(`/fn/tpl-${lang}/?name=Tess`);
    expect(r.status).toBe(200);
    expect(await r.text()).toContain(`Hello, Tess (from tpl-${lang})`);
  });
});

describe('sha256-rust', () => {
  const hex = (b: string | Uint8Array) => createHash('sha256').update(b).digest('hex');

  it.each([0, 3, 55, 56, 63, 64, 65, 1000, 1 << 20])('hashes a %i-byte body like node:crypto', async (n) => {
    const body = new Uint8Array(n).map((_, i) => (i * 31 + 7) & 0xff);
    const r = await host.get('/fn/sha256-rust/', { method: 'POST', body });
    expect(r.status).toBe(200);
    expect((await r.text()).trim()).toBe(hex(body));
  });

  it('hashes the known vector "abc"', async () => {
    const r = await host.get('/fn/sha256-rust/', { method: 'POST', body: 'abc' });
    expect((await r.text()).trim()).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('language detection', () => {
  it('takes Cargo.toml and go.mod as markers, .rs and .go as sources', () => {
    expect(detectLang(['Cargo.toml', 'src/main.rs'])).toBe('rust');
    expect(detectLang(['main.rs'])).toBe('rust');
    expect(detectLang(['go.mod', 'main.go'])).toBe('go');
    expect(detectLang(['main.go'])).toBe('go');
  });

  it('reads the package name of a Cargo.toml', () => {
    expect(cargoPackageName('[package]\nname = "echo-rust" # x\n[dependencies]\nname = "no"\n')).toBe('echo-rust');
    expect(cargoPackageName('[workspace]\n')).toBeUndefined();
  });
});

async function broken(dir: string, files: Record<string, string>): Promise<BuildError> {
  const d = join(tmp, dir);
  for (const [f, text] of Object.entries(files)) {
    await mkdir(join(d, f, '..'), { recursive: true });
    await writeFile(join(d, f), text);
  }
  const e = await build(d, { cacheDir: DATA_DIR }).catch((x: unknown) => x);
  expect(e).toBeInstanceOf(BuildError);
  return e as BuildError;
}

describe('build errors show the toolchain diagnostics', () => {
  it('a broken main.rs names the file and line', async () => {
    const e = await broken('bad-rs', { 'main.rs': 'fn main() {\n    let x = 1;\n    undefined_thing(x);\n}\n' });
    expect(e.message).toMatch(/main\.rs:3:\d+/);
    expect(e.message).toContain('undefined_thing');
  });

  it('a broken Cargo project names src/main.rs and the line', async () => {
    const e = await broken('bad-cargo', {
      'Cargo.toml': '[package]\nname = "bad"\nversion = "0.1.0"\nedition = "2021"\n',
      'src/main.rs': 'fn main() {\n    let y: u32 = "no";\n}\n',
    });
    expect(e.message).toMatch(/src\/main\.rs:2:\d+/);
  });

  it('a Cargo project with a registry dependency fails clearly (offline build)', async () => {
    const e = await broken('dep-cargo', {
      'Cargo.toml': '[package]\nname = "dep"\nversion = "0.1.0"\nedition = "2021"\n[dependencies]\nserde = "1"\n',
      'src/main.rs': 'fn main() {}\n',
    });
    expect(e.message).toMatch(/serde/);
    expect(e.message).toMatch(/offline/);
  });

  it('a broken main.go names the file and line', async () => {
    const e = await broken('bad-go', { 'main.go': 'package main\n\nfunc main() {\n\tundefinedThing()\n}\n' });
    expect(e.message).toMatch(/main\.go:4:\d+/);
    expect(e.message).toContain('undefinedThing');
  });

  it('a go.mod requiring another module fails without touching the network', async () => {
    const e = await broken('dep-go', {
      'go.mod': 'module x\n\ngo 1.21\n\nrequire example.com/nowhere v1.0.0\n',
      'main.go': 'package main\n\nimport _ "example.com/nowhere"\n\nfunc main() {}\n',
    });
    expect(e.message).toMatch(/example\.com\/nowhere/);
  });
});

describe('missing toolchain: one clear line', () => {
  const ctx = () => ({ srcDir: join(EXAMPLES, 'hello-rust'), files: ['main.rs'], workDir: tmp, cacheDir: DATA_DIR });

  it('run() names what to install', () => {
    const e = (() => {
      try {
        run({ cmd: 'wisp-no-such-tool', install: 'apt-get install nothing' }, []);
      } catch (x) {
        return x as Error;
      }
    })();
    expect(e).toBeInstanceOf(BuildError);
    expect(e!.message).toBe('wisp-no-such-tool not found: install it with `apt-get install nothing` (or run .ci/setup)');
  });

  it.each([
    ['rust', 'WISP_RUSTC', /^\/nonexistent\/rustc not found: install it with `apt-get install rustc cargo libstd-rust-dev-wasm32`/],
    ['go', 'WISP_GO', /^\/nonexistent\/go not found: install it with `Go >= 1\.21/],
  ])('%s without its compiler', async (lang, envVar, expected) => {
    const saved = process.env[envVar];
    process.env[envVar] = `/nonexistent/${lang === 'rust' ? 'rustc' : 'go'}`;
    try {
      const fe = lang === 'rust' ? rust : go;
      const files = lang === 'rust' ? ['main.rs'] : ['main.go'];
      const e = await fe.build({ ...ctx(), srcDir: join(EXAMPLES, `hello-${lang}`), files }).catch((x: unknown) => x as Error);
      expect(e).toBeInstanceOf(BuildError);
      expect((e as Error).message).toMatch(expected);
      expect((e as Error).message.split('\n')).toHaveLength(1);
    } finally {
      if (saved === undefined) delete process.env[envVar];
      else process.env[envVar] = saved;
    }
  });
});
