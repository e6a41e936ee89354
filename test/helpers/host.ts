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
  const host = await startHost({ port: 0, host: '127.0.0.1', functionsDir: FIXTURES, dataDir: DATA_DIR, log, ...opts });
  return Object.assign(host, { log, get: (path: string, init?: RequestInit) => fetch(`${host.url}${path}`, init) });
}
