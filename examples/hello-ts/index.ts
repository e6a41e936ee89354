// hello-ts: a wasi:http function in TypeScript, the same fetch-event handler as hello-js with
// types. Wisp bundles it with esbuild (no type-check: run `tsc --noEmit` for that) and
// componentizes the result like JavaScript.

/** The fetch event StarlingMonkey (and Spin, wasmtime serve) dispatches for each request. */
interface FetchEvent extends Event {
  readonly request: Request;
  respondWith(response: Response | PromiseLike<Response>): void;
}

function greet(name: string): string {
  return `Hello, ${name}\n`;
}

addEventListener('fetch', (event) => {
  const e = event as FetchEvent;
  const url = new URL(e.request.url);
  const name: string = url.searchParams.get('name') ?? 'world';
  e.respondWith(new Response(greet(name), { headers: { 'content-type': 'text/plain; charset=utf-8' } }));
});

export {};
