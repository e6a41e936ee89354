// The data plane's own Node adapter. Hono still routes /fn requests and runs their middleware,
// but the request it sees is a bare {method, url} and a function's answer is a DirectResponse
// written straight to Node's ServerResponse. Why not @hono/node-server here: it takes the
// WHATWG globals (Request, Response, Headers) when it is imported, which loads Node's bundled
// undici — 15–20 ms of a fresh host's ~140 ms to its first response — and it wraps every
// request and response in them. It still serves the control plane, loaded on first use
// (docs/bench.md, "host spawn" and "HTTP throughput").

import type { IncomingMessage, ServerResponse } from 'node:http';

/** A function's answer: status, a header record as Node takes it, and the body. */
export class DirectResponse {
  constructor(
    readonly status: number,
    readonly headers: Record<string, string | string[]>,
    readonly body: Uint8Array | null,
  ) {}
}

/** What Hono needs of a request to route it (path from `url`, `method`). */
export function routingRequest(m: IncomingMessage): Request {
  // HEAD routes as GET (Hono would otherwise wrap the answer in a WHATWG Response); handlers
  // read the real method from the IncomingMessage.
  const method = m.method === 'HEAD' ? 'GET' : (m.method ?? 'GET');
  return { method, url: `http://${m.headers.host ?? 'localhost'}${m.url ?? '/'}` } as Request;
}

/** Write what a Hono app answered: a DirectResponse, or a WHATWG Response (error paths). */
export async function writeAnswer(answer: DirectResponse | Response, res: ServerResponse): Promise<void> {
  if (answer instanceof DirectResponse) return writeDirect(answer, res);
  const headers: Record<string, string | string[]> = {};
  answer.headers.forEach((v, k) => (headers[k] = v));
  const cookies = answer.headers.getSetCookie();
  if (cookies.length > 0) headers['set-cookie'] = cookies;
  const body = answer.body ? new Uint8Array(await answer.arrayBuffer()) : null;
  if (body) headers['content-length'] = String(body.byteLength);
  res.writeHead(answer.status, headers);
  res.end(body ?? undefined);
}

export function writeDirect(answer: DirectResponse, res: ServerResponse): void {
  const { status, headers, body } = answer;
  if (body) headers['content-length'] = String(body.byteLength);
  res.writeHead(status, headers);
  res.end(body ?? undefined);
}
