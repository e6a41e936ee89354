// wasi:cli — environment, exit, stdio and terminals, all bound to one WasiContext.

import { GuestExit } from './errors.js';
import { OutputStream } from './io.js';
import type { WasiContext } from './context.js';

type ExitStatus = { tag: 'ok'; val?: undefined } | { tag: 'err'; val?: undefined };

/** Terminals: guests are never attached to one. */
export class TerminalInput {}
export class TerminalOutput {}

export function cliImports(ctx: WasiContext): Record<string, object> {
  return {
    'wasi:cli/environment': {
      getEnvironment: () => ctx.env,
      getArguments: () => ctx.args,
      initialCwd: () => undefined,
    },
    'wasi:cli/exit': {
      exit: (status: ExitStatus) => {
        throw new GuestExit(status.tag === 'ok' ? 0 : 1);
      },
      exitWithCode: (code: number) => {
        throw new GuestExit(code);
      },
    },
    // A new stream object per call is fine: each reads the invocation's current buffers.
    'wasi:cli/stdin': { getStdin: () => ctx.stdin },
    'wasi:cli/stdout': { getStdout: () => new OutputStream((b) => ctx.stdout.push(b)) },
    'wasi:cli/stderr': { getStderr: () => new OutputStream((b) => ctx.stderr.push(b)) },
    'wasi:cli/terminal-input': { TerminalInput },
    'wasi:cli/terminal-output': { TerminalOutput },
    'wasi:cli/terminal-stdin': { getTerminalStdin: () => undefined },
    'wasi:cli/terminal-stdout': { getTerminalStdout: () => undefined },
    'wasi:cli/terminal-stderr': { getTerminalStderr: () => undefined },
  };
}
