import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHost, type Host, type HostOptions } from '../../runtime/host.js';
import { MemoryLog } from '../../runtime/http/log.js';
import { DATA_DIR, FIXTURES } from './paths.js';

export interface TestHost extends Host {
  log: MemoryLog;
  get(path: string, init?: RequestInit): Promise<Response>;
}

/** A real host on an ephemeral 127.0.0.1 port serving the test fixtures. */
export async function startTestHost(opts: HostOptions = {}): Promise<TestHost> {
  const log = new MemoryLog();
  // A fresh registry per host; artifacts come from the shared build cache.
  const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), 'wisp-test-')));
  const host = await startHost({ port: 0, host: '127.0.0.1', functionsDir: FIXTURES, cacheDir: DATA_DIR, log, ...opts, dataDir });
  return Object.assign(host, { log, get: (path: string, init?: RequestInit) => fetch(`${host.url}${path}`, init) });
}
