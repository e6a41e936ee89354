// The data plane's own Node adapter: a function's answer is a DirectResponse written straight
// to Node's ServerResponse. Why not @hono/node-server here: it takes the WHATWG globals
// (Request, Response, Headers) when it is imported, which loads Node's bundled undici — 15–20 ms
// of a fresh host's ~140 ms to its first response — and it wraps every request and response in
// them. It still serves the control plane, loaded on first use (docs/bench.md, 4
// and 5).

import type { ServerResponse } from 'node:http';

/** A data-plane answer: status, a header record as Node takes it, and the body. */
export class DirectResponse {
  constructor(
    readonly status: number,
    readonly headers: Record<string, string | string[]>,
    readonly body: Uint8Array | null,
  ) {}
}

export function writeDirect(answer: DirectResponse, res: ServerResponse): void {
  const { status, headers, body } = answer;
  if (body) headers['content-length'] = String(body.byteLength);
  res.writeHead(status, headers);
  res.end(body ?? undefined);
}
