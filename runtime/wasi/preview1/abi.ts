// WASI preview1 (wasi_snapshot_preview1) ABI constants: errno values, file types, rights, and
// the full list of the module's functions (witx of snapshot 01). Only what the host needs.

export const MODULE = 'wasi_snapshot_preview1';

export const Errno = {
  SUCCESS: 0,
  BADF: 8,
  FAULT: 21,
  INVAL: 28,
  IO: 29,
  NOSYS: 52,
  NOTDIR: 54,
  NOTSOCK: 57,
  NOTSUP: 58,
  SPIPE: 70,
  NOTCAPABLE: 76,
} as const;

export const Filetype = { UNKNOWN: 0, CHARACTER_DEVICE: 2 } as const;

export const Rights = { FD_READ: 1n << 1n, FD_WRITE: 1n << 6n } as const;

export const Clock = { REALTIME: 0, MONOTONIC: 1, PROCESS_CPUTIME: 2, THREAD_CPUTIME: 3 } as const;

export const EventType = { CLOCK: 0, FD_READ: 1, FD_WRITE: 2 } as const;

/** subclockflags: the timeout is an absolute time of the clock, not a duration. */
export const SUBSCRIPTION_CLOCK_ABSTIME = 1;

/** Every function of wasi_snapshot_preview1. A module importing anything else (or from
 *  another module) is not a plain preview1 module and stays on the component path. */
export const PREVIEW1_FUNCTIONS: readonly string[] = [
  'args_get',
  'args_sizes_get',
  'environ_get',
  'environ_sizes_get',
  'clock_res_get',
  'clock_time_get',
  'fd_advise',
  'fd_allocate',
  'fd_close',
  'fd_datasync',
  'fd_fdstat_get',
  'fd_fdstat_set_flags',
  'fd_fdstat_set_rights',
  'fd_filestat_get',
  'fd_filestat_set_size',
  'fd_filestat_set_times',
  'fd_pread',
  'fd_prestat_get',
  'fd_prestat_dir_name',
  'fd_pwrite',
  'fd_read',
  'fd_readdir',
  'fd_renumber',
  'fd_seek',
  'fd_sync',
  'fd_tell',
  'fd_write',
  'path_create_directory',
  'path_filestat_get',
  'path_filestat_set_times',
  'path_link',
  'path_open',
  'path_readlink',
  'path_remove_directory',
  'path_rename',
  'path_symlink',
  'path_unlink_file',
  'poll_oneoff',
  'proc_exit',
  'proc_raise',
  'sched_yield',
  'random_get',
  'sock_accept',
  'sock_recv',
  'sock_send',
  'sock_shutdown',
];

/** wit-component gives a second import of the same function a unique name, `fd_write [v2]`
 *  (Go's runtime and its syscall package both import fd_write): the function it stands for. */
export function baseName(importName: string): string {
  const m = / \[v\d+\]$/.exec(importName);
  return m ? importName.slice(0, m.index) : importName;
}

/** The module's preview1 imports whose names are such aliases, with the function they mean. */
export function importAliases(module: WebAssembly.Module): [alias: string, name: string][] {
  const out: [string, string][] = [];
  for (const i of WebAssembly.Module.imports(module)) {
    if (i.module === MODULE && baseName(i.name) !== i.name) out.push([i.name, baseName(i.name)]);
  }
  return out;
}

/**
 * Whether a core module can run on Wisp's own preview1 host: it imports only preview1
 * functions (no other module, no memory/table/global imports) and exports `_start` and its
 * `memory` — the shape clang/wasi-libc, Rust, Go (wasip1) and AssemblyScript's wasi-shim emit.
 */
export function isPreview1Command(module: WebAssembly.Module): boolean {
  const known = new Set(PREVIEW1_FUNCTIONS);
  const imports = WebAssembly.Module.imports(module);
  if (imports.length === 0 || !imports.every((i) => i.module === MODULE && i.kind === 'function' && known.has(baseName(i.name)))) return false;
  const exports = WebAssembly.Module.exports(module);
  return exports.some((e) => e.name === '_start' && e.kind === 'function') && exports.some((e) => e.name === 'memory' && e.kind === 'memory');
}
