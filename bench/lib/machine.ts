// The machine a run was measured on, for the report: the noise of a 2-core VM shared with other
// builds is part of every figure, so the load average is recorded at each section boundary.

import { execFileSync } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';

export interface Machine {
  node: string;
  platform: string;
  cpuModel: string;
  cores: number;
  memGiB: number;
  date: string;
  gitCommit: string;
  gitDirty: boolean | null;
}

function git(root: string, args: string[]): string | null {
  try {
    return execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

export function machineInfo(root: string): Machine {
  const c = cpus();
  const dirty = git(root, ['status', '--porcelain', '--untracked-files=no']);
  return {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpuModel: c[0]?.model.trim() ?? 'unknown',
    cores: c.length,
    memGiB: +(totalmem() / 2 ** 30).toFixed(1),
    date: new Date().toISOString(),
    gitCommit: git(root, ['rev-parse', 'HEAD']) ?? 'unknown',
    gitDirty: dirty === null ? null : dirty.length > 0,
  };
}

export interface LoadSample {
  at: string;
  /** 1, 5 and 15 minute load averages. */
  load: [number, number, number];
}

export function loadNow(at: string): LoadSample {
  const [a, b, c] = loadavg();
  return { at, load: [+a!.toFixed(2), +b!.toFixed(2), +c!.toFixed(2)] };
}
