// A host in its own process (`wisp up`), for tests that kill it.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './paths.js';

export interface ChildHost {
  url: string;
  proc: ChildProcess;
  output: () => string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export function startChildHost(dataDir: string, extraEnv: Record<string, string> = {}): Promise<ChildHost> {
  const proc = spawn(process.execPath, [join(ROOT, 'bin/wisp.js'), 'up', '--port', '0', '--data', dataDir, '--functions', 'none'], {
    env: { ...process.env, ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`host did not start:\n${out}`)), 60_000);
    proc.stderr!.on('data', (d) => {
      out += d;
      const m = /serving \d+ functions on (http:\/\/[^/\s]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({
          url: m[1]!,
          proc,
          output: () => out,
          kill: (signal = 'SIGKILL') =>
            new Promise((done) => {
              if (proc.exitCode !== null || proc.signalCode !== null) return done();
              proc.once('exit', () => done());
              proc.kill(signal);
            }),
        });
      }
    });
    proc.once('exit', (code) => reject(new Error(`host exited with ${code}:\n${out}`)));
  });
}
