/** The fetch event StarlingMonkey (and Spin, wasmtime serve) dispatches for each request. */
export interface FetchEvent extends Event {
  readonly request: Request;
  respondWith(response: Response | PromiseLike<Response>): void;
}

export function json(status: number, value: unknown): Response {
  return new Response(`${JSON.stringify(value)}\n`, {
    status,
    headers: { 'content-type': 'application/json' },
  });
}
