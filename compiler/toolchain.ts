// Running external toolchains: one place that turns "not installed" into one clear line and
// a failed compile into the toolchain's own diagnostics (file:line), not a stack trace.

import { spawnSync } from 'node:child_process';

export class BuildError extends Error {
  constructor(
    message: string,
    /** The toolchain's own output, shown to the author as is. */
    readonly details = '',
  ) {
    super(details ? `${message}\n${details}` : message);
    this.name = 'BuildError';
  }
}

export interface Tool {
  cmd: string;
  /** What to install when it is missing (shown verbatim). */
  install: string;
}

export function run(tool: Tool, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): string {
  const r = spawnSync(tool.cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, encoding: 'utf8' });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new BuildError(`${tool.cmd} not found: install it with \`${tool.install}\` (or run .ci/setup)`);
  }
  if (r.status !== 0) {
    throw new BuildError(`${tool.cmd} failed (exit ${r.status ?? r.signal})`, `${r.stderr ?? ''}${r.stdout ?? ''}`.trim());
  }
  return r.stdout;
}
