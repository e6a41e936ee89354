// Rust: Debian's rustc 1.63 + libstd-rust-dev-wasm32 (`--target wasm32-wasi`) build a WASI
// preview1 command; jco wraps it into a wasi:cli/run component with the preview1 adapter, the
// same command shape as C (served CGI-style, see examples/hello-rust).
//
// Always /usr/bin/rustc (and /usr/bin/cargo): the rustup toolchain earlier on PATH cannot target
// wasm on these machines. WISP_RUSTC / WISP_CARGO point elsewhere if needed.
//
// Two layouts:
// - bare sources (main.rs, plus any modules it declares): `rustc --edition 2021` on main.rs;
// - a Cargo project (Cargo.toml + src/main.rs): `cargo build --offline --release` on a copy of the
//   sources in the build's work dir (cargo writes Cargo.lock and target/, the source dir stays
//   untouched). Registry dependencies are not available offline: path dependencies inside the
//   function's directory and std only. CARGO_HOME lives in the build cache, so ~/.cargo (and its
//   config) is never read.
//
// Every build links a tiny `cabi_realloc` (libc malloc) into the main module. Without it,
// wit-component gives the preview1 adapter a memory.grow of its own for its state page, and the
// wasi-libc malloc in Rust 1.63's std, which assumes it alone grows memory, later hands out that
// page: the adapter's state is overwritten as soon as the heap grows past its initial size (a
// ~110 KB read buffer was enough) and the guest traps with "assertion failed at adapter line".
// A crate that defines cabi_realloc itself (wit-bindgen) cannot be linked with it: use the
// component shape for those.

import { existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, readdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { BuildError, run, type Tool } from '../toolchain.js';
import { commandComponent } from './c.js';
import type { Frontend } from './frontend.js';

const INSTALL = 'apt-get install rustc cargo libstd-rust-dev-wasm32';
const TARGET = 'wasm32-wasi';

export const rustc = (): Tool => ({ cmd: process.env.WISP_RUSTC || '/usr/bin/rustc', install: INSTALL });
export const cargo = (): Tool => ({ cmd: process.env.WISP_CARGO || '/usr/bin/cargo', install: INSTALL });

/** Flags shared by both layouts: optimised, std's DWARF stripped (5.8 MB -> ~90 KB for hello). */
const RUSTC_FLAGS = ['-C', 'opt-level=3', '-C', 'strip=debuginfo'];

const CABI_REALLOC_RS = `#![no_std]
// Wisp: the preview1 adapter allocates its state through this (see compiler/languages/rust.ts).
extern "C" {
    fn aligned_alloc(align: usize, size: usize) -> *mut u8;
    fn realloc(ptr: *mut u8, size: usize) -> *mut u8;
}
#[no_mangle]
pub unsafe extern "C" fn cabi_realloc(old: *mut u8, _old_len: usize, align: usize, new_len: usize) -> *mut u8 {
    if new_len == 0 {
        return align as *mut u8;
    }
    let p = if old.is_null() { aligned_alloc(align, new_len) } else { realloc(old, new_len) };
    if p.is_null() {
        core::arch::wasm32::unreachable();
    }
    p
}
`;

/** The cabi_realloc object, compiled once per rustc and cached; returns the link flags. */
async function cabiReallocFlags(cacheDir: string, env: NodeJS.ProcessEnv): Promise<string[]> {
  const tool = rustc();
  const id = createHash('sha256').update(tool.cmd).update(run(tool, ['-vV'], { env })).update(CABI_REALLOC_RS).digest('hex').slice(0, 16);
  const dir = join(cacheDir, 'toolchains', 'rust');
  const obj = join(dir, `cabi_realloc-${id}.o`);
  if (!existsSync(obj)) {
    await mkdir(dir, { recursive: true });
    const src = join(dir, `cabi_realloc-${id}.rs`);
    await writeFile(src, CABI_REALLOC_RS);
    const tmp = `${obj}.${process.pid}.tmp`;
    run(tool, ['--target', TARGET, '--crate-type', 'lib', '--emit', 'obj', '-C', 'opt-level=2', '-C', 'panic=abort', '-o', tmp, src], { env });
    await rename(tmp, obj);
  }
  return ['-C', `link-arg=${obj}`, '-C', 'link-arg=--export=cabi_realloc'];
}

function toolEnv(cacheDir: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    // Debian's toolchain first (rust-lld is /usr/bin/rust-lld), never rustup's proxies.
    PATH: `/usr/bin:/bin:${process.env.PATH ?? ''}`,
    RUSTC: rustc().cmd,
    CARGO_HOME: join(cacheDir, 'toolchains', 'cargo-home'),
    CARGO_TERM_COLOR: 'never',
    CARGO_PROFILE_RELEASE_STRIP: 'debuginfo',
    CARGO_PROFILE_RELEASE_DEBUG: 'false',
    RUSTUP_TOOLCHAIN: undefined,
    RUSTFLAGS: undefined,
    CARGO_ENCODED_RUSTFLAGS: undefined,
  };
}

async function copySources(srcDir: string, files: string[], to: string): Promise<void> {
  for (const f of files) {
    await mkdir(dirname(join(to, f)), { recursive: true });
    await copyFile(join(srcDir, f), join(to, f));
  }
}

/** The [package] name of a Cargo.toml (enough TOML for the usual `name = "x"`). */
export function cargoPackageName(toml: string): string | undefined {
  let inPackage = false;
  for (const raw of toml.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (line.startsWith('[')) inPackage = line === '[package]';
    else if (inPackage) {
      const m = /^name\s*=\s*["']([^"']+)["']/.exec(line);
      if (m) return m[1];
    }
  }
  return undefined;
}

async function buildCargo(srcDir: string, files: string[], workDir: string, cacheDir: string): Promise<Uint8Array> {
  const proj = join(workDir, 'src');
  await copySources(srcDir, files, proj);
  const env = toolEnv(cacheDir);
  // With --target, these reach only target crates (not build scripts or proc macros);
  // \x1f-separated so a cache path with spaces survives.
  env.CARGO_ENCODED_RUSTFLAGS = (await cabiReallocFlags(cacheDir, env)).join('\x1f');
  const targetDir = join(workDir, 'target');
  run(cargo(), ['build', '--offline', '--release', '-q', '--target', TARGET, '--target-dir', targetDir], { cwd: proj, env });
  const outDir = join(targetDir, TARGET, 'release');
  const wasms = (await readdir(outDir)).filter((f) => f.endsWith('.wasm'));
  const pkg = cargoPackageName(await readFile(join(proj, 'Cargo.toml'), 'utf8'));
  const pick =
    wasms.length === 1 ? wasms[0] : wasms.find((f) => f === `${pkg}.wasm` || f === `${pkg?.replaceAll('-', '_')}.wasm`);
  if (!pick) {
    throw new BuildError(
      wasms.length === 0
        ? `cargo built no wasm binary in ${srcDir}: a function needs src/main.rs (a [[bin]])`
        : `cargo built several binaries (${wasms.join(', ')}): name one after the package ('${pkg}')`,
    );
  }
  return readFile(join(outDir, pick));
}

async function buildBare(srcDir: string, files: string[], workDir: string, cacheDir: string): Promise<Uint8Array> {
  const rs = files.filter((f) => f.endsWith('.rs'));
  const entry = ['main.rs', 'src/main.rs'].find((c) => rs.includes(c)) ?? (rs.length === 1 ? rs[0] : undefined);
  if (!entry) throw new BuildError(`no entry point in ${srcDir}: expected main.rs (or a Cargo.toml)`);
  const out = join(workDir, 'main.wasm');
  const env = toolEnv(cacheDir);
  const link = await cabiReallocFlags(cacheDir, env);
  // Crate name fixed to `main`: file names like hello-world.rs are not valid crate names.
  run(rustc(), ['--target', TARGET, '--edition', '2021', '--crate-type', 'bin', '--crate-name', 'main', ...RUSTC_FLAGS, ...link, '-o', out, entry], {
    cwd: srcDir,
    env,
  });
  return readFile(out);
}

export const rust: Frontend = {
  lang: 'rust',
  sources: ['.rs'],
  markers: ['Cargo.toml'],
  async build({ srcDir, files, workDir, cacheDir }) {
    const core = files.includes('Cargo.toml')
      ? await buildCargo(srcDir, files, workDir, cacheDir)
      : await buildBare(srcDir, files, workDir, cacheDir);
    return commandComponent(core);
  },
};
