// Go: the standard toolchain's own `GOOS=wasip1 GOARCH=wasm go build` (Go >= 1.21; the machines
// have 1.26 in /usr/local/go/bin) builds a WASI preview1 command; jco wraps it into a
// wasi:cli/run component with the preview1 adapter, the same command shape as C (served
// CGI-style, see examples/hello-go).
//
// The sources are copied into the build's work dir and built there. A bare main.go (no go.mod)
// gets a generated `module <name>` go.mod at the toolchain's language version. Builds are
// hermetic: GOCACHE/GOPATH live in the build cache (never $HOME), GOENV=off, GOTOOLCHAIN=local,
// GOPROXY=off (only the standard library and packages inside the function's module; a go.mod
// requiring other modules fails with go's own "module lookup disabled" error), GOWORK=off.
// WISP_GO points at another go binary.
//
// The adapter's memory: wit-component gives the preview1 adapter two pages for its state and
// stack, from the main module's exported `cabi_realloc` if there is one, else by memory.grow.
// Go's heap (runtime/mem_wasm.go sbrk) assumes it alone grows memory and hands out the
// adapter's pages once the heap passes the initial memory size (~1 MB of allocations): the guest
// then traps on garbage (seen as "out of bounds table access" on a 1 MB request body; the same
// upstream problem as fastly/Viceroy#498). Go cannot export a cabi_realloc usable that early
// (go:wasmexport needs an initialised runtime), so every build gets (1) a Go file declaring a
// 256 KiB global arena that starts with a magic marker, kept linked by an init func, and (2)
// after linking, a wasm `cabi_realloc` export added to the module that bump-allocates from that
// arena (found by its marker in the data section). Go never reuses a global's memory.

import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { delimiter, dirname, join } from 'node:path';
import { BuildError, run, type Tool } from '../toolchain.js';
import { commandComponent } from './c.js';
import type { Frontend } from './frontend.js';
import { uleb128 } from '../leb128.js';

const INSTALL = 'Go >= 1.21 from https://go.dev/dl (Debian 12 golang-go is 1.19, too old for wasip1)';
const MIN_MINOR = 21;

/** `go` from PATH, else the usual /usr/local/go/bin/go, else plain `go` (run() reports it missing). */
export function goTool(): Tool {
  const explicit = process.env.WISP_GO;
  if (explicit) return { cmd: explicit, install: INSTALL };
  for (const dir of [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), '/usr/local/go/bin']) {
    if (existsSync(join(dir, 'go'))) return { cmd: join(dir, 'go'), install: INSTALL };
  }
  return { cmd: 'go', install: INSTALL };
}

function goEnv(cacheDir: string): NodeJS.ProcessEnv {
  const root = join(cacheDir, 'toolchains', 'go');
  return {
    ...process.env,
    GOOS: 'wasip1',
    GOARCH: 'wasm',
    CGO_ENABLED: '0',
    GOCACHE: join(root, 'cache'),
    GOPATH: join(root, 'path'),
    GOMODCACHE: join(root, 'path', 'pkg', 'mod'),
    GOENV: 'off',
    GOTOOLCHAIN: 'local',
    GOPROXY: 'off',
    GOFLAGS: '',
    GOWORK: 'off',
    GO111MODULE: 'on',
  };
}

const checked = new Map<string, string>();

/** The toolchain's version ("1.26"), checked to be >= 1.21 (wasip1 arrived in 1.21). */
function goVersion(tool: Tool, env: NodeJS.ProcessEnv): string {
  const hit = checked.get(tool.cmd);
  if (hit) return hit;
  const v = run(tool, ['env', 'GOVERSION'], { env }).trim(); // e.g. go1.26.8
  const m = /^go1\.(\d+)/.exec(v);
  if (!m) throw new BuildError(`${tool.cmd}: cannot read its version ('${v}'): install ${INSTALL}`);
  if (Number(m[1]) < MIN_MINOR) {
    throw new BuildError(`${tool.cmd} is ${v}, too old for GOOS=wasip1 (needs go1.${MIN_MINOR}+): install ${INSTALL}`);
  }
  const lang = `1.${m[1]}`;
  checked.set(tool.cmd, lang);
  return lang;
}

export const go: Frontend = {
  lang: 'go',
  sources: ['.go'],
  markers: ['go.mod'],
  async build({ srcDir, files, workDir, cacheDir }) {
    const tool = goTool();
    const env = goEnv(cacheDir);
    const lang = goVersion(tool, env);
    const proj = join(workDir, 'src');
    for (const f of files) {
      await mkdir(dirname(join(proj, f)), { recursive: true });
      await copyFile(join(srcDir, f), join(proj, f));
    }
    if (!files.includes('go.mod')) {
      if (!files.some((f) => f.endsWith('.go') && !f.endsWith('_test.go'))) throw new BuildError(`no .go sources in ${srcDir}`);
      await writeFile(join(proj, 'go.mod'), `module wispfunction\n\ngo ${lang}\n`);
    }
    await writeFile(join(proj, ARENA_FILE), ARENA_GO);
    const out = join(workDir, 'main.wasm');
    // -s -w: no symbol table / DWARF (the component is what ships; a third smaller).
    run(tool, ['build', '-trimpath', '-buildvcs=false', '-ldflags=-s -w', '-o', out, '.'], { cwd: proj, env });
    return commandComponent(addAdapterRealloc(await readFile(out)));
  },
};

// --- the adapter arena (see the top of this file) ---

const ARENA_BYTES = 4 * 65536;
const MAGIC = 'WISP-ADAPTER-ARN';
const ARENA_FILE = 'zz_wisp_adapter_arena.go';
const ARENA_GO = `// Added by Wisp at build time: memory for the WASI preview1 adapter (compiler/languages/go.ts).
package main

var wispAdapterArena = [${ARENA_BYTES}]byte{${[...MAGIC].map((c) => `'${c}'`).join(', ')}}

// Also keeps the arena linked: the adapter allocates only past its marker.
func init() {
	if wispAdapterArena[0] != 'W' {
		panic("wisp: the WASI adapter arena was overwritten")
	}
}
`;


function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(b & 0x40)) || (n === -1 && b & 0x40)) return [...out, b];
    out.push(b | 0x80);
  }
}

class Cursor {
  constructor(readonly b: Uint8Array, public p = 0) {}
  uleb(): number {
    let r = 0;
    let shift = 0;
    let x: number;
    do {
      x = this.b[this.p++]!;
      r += (x & 0x7f) * 2 ** shift;
      shift += 7;
    } while (x & 0x80);
    return r;
  }
  sleb32(): number {
    let r = 0;
    let shift = 0;
    let x: number;
    do {
      x = this.b[this.p++]!;
      r |= (x & 0x7f) << shift;
      shift += 7;
    } while (x & 0x80);
    return shift < 32 && x & 0x40 ? r | (-1 << shift) : r;
  }
  name(): string {
    const n = this.uleb();
    const s = new TextDecoder().decode(this.b.subarray(this.p, this.p + n));
    this.p += n;
    return s;
  }
}

/** `cabi_realloc(old, old_len, align, new_len)`: bump allocation in [base+32, base+size), the
 *  bump pointer at base+16; a shrink (old != 0) keeps the old pointer; out of arena traps. */
function reallocBody(base: number): number[] {
  const bump = base + 16;
  const code = [
    0x20, 0, 0x04, 0x40, 0x20, 0, 0x0f, 0x0b, // if old { return old }
    0x41, ...sleb(bump), 0x28, 0, 0, 0x22, 4, 0x45, // cur = load(bump); if cur == 0
    0x04, 0x40, 0x41, ...sleb(base + 32), 0x21, 4, 0x0b, //   cur = base + 32
    0x20, 4, 0x20, 2, 0x6a, 0x41, 1, 0x6b, 0x41, 0, 0x20, 2, 0x6b, 0x71, 0x22, 4, // cur = (cur + align - 1) & -align
    0x20, 3, 0x6a, 0x22, 5, 0x41, ...sleb(base + ARENA_BYTES), 0x4b, // end = cur + new_len; if end > limit
    0x04, 0x40, 0x00, 0x0b, //   unreachable
    0x41, ...sleb(bump), 0x20, 5, 0x36, 0, 0, // store(bump, end)
    0x20, 4, 0x0b, // cur
  ];
  const body = [1, 2, 0x7f, ...code]; // locals: 2 x i32 (cur, end)
  return [...uleb128(body.length), ...body];
}

/** Adds an exported `cabi_realloc` over the arena to a Go wasip1 module. */
export function addAdapterRealloc(wasm: Uint8Array): Uint8Array {
  const sections: { id: number; body: Uint8Array }[] = [];
  const c = new Cursor(wasm, 8);
  while (c.p < wasm.length) {
    const id = wasm[c.p++]!;
    const len = c.uleb();
    sections.push({ id, body: wasm.subarray(c.p, c.p + len) });
    c.p += len;
  }
  const section = (id: number) => sections.find((s) => s.id === id);
  const fail = (why: string): never => {
    throw new BuildError(`cannot give the WASI adapter its memory in this Go module: ${why}`);
  };

  // Where the linker put the arena: the one data segment holding the marker.
  const magic = new TextEncoder().encode(MAGIC);
  let base = -1;
  const data = section(11) ?? fail('no data section');
  const d = new Cursor(data.body);
  for (let n = d.uleb(); n > 0; n--) {
    const flags = d.uleb();
    if (flags === 1) fail('passive data segment');
    if (flags === 2) d.uleb();
    if (d.b[d.p++] !== 0x41) fail('data segment offset is not an i32.const');
    const offset = d.sleb32();
    if (d.b[d.p++] !== 0x0b) fail('data segment offset is not a constant');
    const size = d.uleb();
    const bytes = d.b.subarray(d.p, d.p + size);
    d.p += size;
    for (let i = bytes.indexOf(magic[0]!); i >= 0 && i <= size - magic.length; i = bytes.indexOf(magic[0]!, i + 1)) {
      if (magic.every((m, k) => bytes[i + k] === m)) {
        if (base >= 0) fail('the arena marker appears twice');
        base = offset + i;
      }
    }
  }
  if (base < 0) fail('the arena marker is missing (was it linked?)');

  // Function index of the new function: imported functions + defined functions.
  let importedFuncs = 0;
  const imp = section(2);
  if (imp) {
    const r = new Cursor(imp.body);
    for (let n = r.uleb(); n > 0; n--) {
      r.name();
      const fieldName = r.name();
      const kind = r.b[r.p++];
      if (kind === 0) {
        importedFuncs++;
        r.uleb();
      } else if (kind === 1) {
        r.p++;
        const lim = r.uleb();
        r.uleb();
        if (lim & 1) r.uleb();
      } else if (kind === 2) {
        const lim = r.uleb();
        r.uleb();
        if (lim & 1) r.uleb();
      } else if (kind === 3) r.p += 2;
      else fail(`unknown import kind ${kind} (${fieldName})`);
    }
  }
  const funcs = section(3) ?? fail('no function section');
  const definedFuncs = new Cursor(funcs.body).uleb();
  const exps = section(7) ?? fail('no export section');
  {
    const r = new Cursor(exps.body);
    for (let n = r.uleb(); n > 0; n--) {
      if (r.name() === 'cabi_realloc') return wasm; // already has one
      r.p++;
      r.uleb();
    }
  }

  const appendToVec = (s: { body: Uint8Array }, item: number[]): Uint8Array => {
    const r = new Cursor(s.body);
    const n = r.uleb();
    return concat([Uint8Array.from(uleb128(n + 1)), s.body.subarray(r.p), Uint8Array.from(item)]);
  };
  const types = section(1) ?? fail('no type section');
  const typeIndex = new Cursor(types.body).uleb();
  const funcIndex = importedFuncs + definedFuncs;
  types.body = appendToVec(types, [0x60, 4, 0x7f, 0x7f, 0x7f, 0x7f, 1, 0x7f]);
  funcs.body = appendToVec(funcs, uleb128(typeIndex));
  exps.body = appendToVec(exps, [...uleb128(12), ...new TextEncoder().encode('cabi_realloc'), 0, ...uleb128(funcIndex)]);
  const code = section(10) ?? fail('no code section');
  code.body = appendToVec(code, reallocBody(base));

  const chunks: Uint8Array[] = [wasm.subarray(0, 8)];
  for (const s of sections) chunks.push(Uint8Array.from([s.id, ...uleb128(s.body.length)]), s.body);
  return concat(chunks);
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((a, b) => a + b.length, 0));
  let at = 0;
  for (const ch of chunks) {
    out.set(ch, at);
    at += ch.length;
  }
  return out;
}
