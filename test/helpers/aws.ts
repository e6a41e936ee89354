// Running the real aws CLI and boto3 against a test host.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { zipSync } from 'fflate';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  json: any;
}

/** Credentials and config isolated from the machine's ~/.aws; no client-side retries. */
export function awsEnv(secret = 'test'): NodeJS.ProcessEnv {
  return {
    ...process.env,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: secret,
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_MAX_ATTEMPTS: '1',
    AWS_RETRY_MODE: 'standard',
    AWS_PAGER: '',
  };
}

export function aws(endpoint: string, args: string[], opts: { secret?: string; cwd?: string } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      'aws',
      ['--endpoint-url', endpoint, '--output', 'json', ...args],
      { env: awsEnv(opts.secret), cwd: opts.cwd, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        let json: unknown;
        try {
          json = stdout.trim() ? JSON.parse(stdout) : undefined;
        } catch {
          json = undefined;
        }
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr, json });
      },
    );
  });
}

export function python(script: string, env: NodeJS.ProcessEnv): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile('python3', ['-c', script], { env, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      let json: unknown;
      try {
        json = JSON.parse(stdout);
      } catch {
        json = undefined;
      }
      resolve({ code: err ? 1 : 0, stdout, stderr, json });
    });
  });
}

/** A deployment zip of files read from disk (name in zip -> path), or given inline. */
export function zipOf(files: Record<string, string | Uint8Array>, baseDir = ''): Uint8Array {
  const entries: Record<string, Uint8Array> = {};
  for (const [name, src] of Object.entries(files)) {
    entries[name] = typeof src === 'string' ? (src.includes('\n') ? new TextEncoder().encode(src) : readFileSync(join(baseDir, src))) : src;
  }
  return zipSync(entries);
}
