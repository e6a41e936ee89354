// The WASI world one guest instance sees. Deny-by-default (DESIGN.md, Decided 5): env from
// the function config only, no preopens, no sockets, no outbound HTTP, stdio as buffers.

import { cliImports } from './cli.js';
import { clockImports, randomImports } from './clocks.js';
import { WasiContext, type WasiConfig } from './context.js';
import { filesystemImports } from './filesystem.js';
import { httpImports } from './http.js';
import { IoError, InputStream, OutputStream, Pollable, poll } from './io.js';
import { socketImports } from './sockets.js';

export { WasiContext, type WasiConfig } from './context.js';
export { GuestExit } from './errors.js';
export * as http from './http.js';

export interface WasiHostConfig extends WasiConfig {
  responseLimit: number;
}

// Shared by every instance: these hold no per-instance state.
const staticImports: Record<string, object> = {
  ...clockImports(),
  ...randomImports(),
  ...filesystemImports(),
  ...socketImports(),
  'wasi:io/error': { Error: IoError },
  'wasi:io/poll': { Pollable, poll },
  'wasi:io/streams': { InputStream, OutputStream },
};

export interface WasiHost {
  ctx: WasiContext;
  /** Keyed by unversioned interface name, as jco's instantiation-mode glue asks for them. */
  imports: Record<string, object>;
}

export function createWasiHost(config: WasiHostConfig): WasiHost {
  const ctx = new WasiContext(config);
  return {
    ctx,
    imports: { ...staticImports, ...cliImports(ctx), ...httpImports(ctx, config.responseLimit) },
  };
}
