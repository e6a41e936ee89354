// The data plane's view of a request, read from Node's IncomingMessage. Why not a WHATWG
// Request: building one (undici: AbortSignal, Headers, a web stream) per invocation cost ~15 % of
// the host's CPU per hello-c request under load (docs/bench.md).

import type { IncomingMessage } from 'node:http';
import { BodyTooLarge } from './body.js';

export interface RequestHead {
  method: string;
  /** Path and query as sent ('/fn/x/a?b=c'). */
  target: string;
  /** Lower-case names; a repeated header is repeated. */
  headers: [string, string][];
  authority: string;
  remoteAddr: string;
  /** Whether the request has a body to read (else body() answers an empty one at once). */
  hasBody: boolean;
  /** The body, read up to a cap (BodyTooLarge beyond it). */
  body(limit: number): Promise<Uint8Array>;
}

const EMPTY = new Uint8Array(0);

export function fromIncoming(m: IncomingMessage): RequestHead {
  const headers: [string, string][] = [];
  const h = m.headers;
  for (const name in h) {
    const value = h[name];
    if (value === undefined) continue;
    if (typeof value === 'string') headers.push([name, value]);
    else for (const v of value) headers.push([name, v]);
  }
  return {
    method: m.method ?? 'GET',
    target: m.url ?? '/',
    headers,
    authority: m.headers.host ?? '',
    remoteAddr: m.socket?.remoteAddress ?? '',
    hasBody: hasBody(m),
    body: (limit) => readIncoming(m, limit),
  };
}

/** No length (or length 0) and no chunked framing: HTTP/1.1 says there is no body (RFC 9112 6.3). */
function hasBody(m: IncomingMessage): boolean {
  const length = m.headers['content-length'];
  return m.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

async function readIncoming(m: IncomingMessage, limit: number): Promise<Uint8Array> {
  if (Number(m.headers['content-length'] ?? '0') > limit) throw new BodyTooLarge();
  if (!hasBody(m)) return EMPTY;
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of m as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > limit) throw new BodyTooLarge();
    chunks.push(chunk);
  }
  if (total === 0) return EMPTY;
  // One copy into a buffer of its own: a Buffer chunk may be a view into a shared pool, and
  // structured clone (to the worker) would copy the whole pool.
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
