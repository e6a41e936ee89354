// Control-plane credentials. Keys come from config or WISP_ACCESS_KEYS ("id:secret,id2:secret2").
// Without any, the local default test/test (LocalStack's convention) is allowed, and only while
// the host listens on loopback: bound anywhere else, the host refuses to start.

import { isIP } from 'node:net';

export const DEFAULT_KEYS: Record<string, string> = { test: 'test' };

export class AuthConfigError extends Error {}

export function parseKeys(spec: string | undefined): Record<string, string> | undefined {
  if (!spec) return undefined;
  const keys: Record<string, string> = {};
  for (const pair of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const i = pair.indexOf(':');
    if (i <= 0 || i === pair.length - 1) throw new AuthConfigError(`WISP_ACCESS_KEYS entry ${JSON.stringify(pair)} is not ID:SECRET`);
    keys[pair.slice(0, i)] = pair.slice(i + 1);
  }
  return keys;
}

export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

export function resolveKeys(host: string, configured?: Record<string, string>): Record<string, string> {
  if (configured && Object.keys(configured).length > 0) return configured;
  if (isLoopback(host)) return DEFAULT_KEYS;
  throw new AuthConfigError(
    `refusing to listen on ${host} with the default test/test credentials: set WISP_ACCESS_KEYS=ID:SECRET (or bind to 127.0.0.1)`,
  );
}
