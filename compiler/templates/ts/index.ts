// {{name}}: a Wisp function in TypeScript, the standard wasi:http shape written as a
// fetch-event handler. Build: wisp build . (esbuild bundles index.ts and its imports, then
// componentize-js). esbuild does not type-check: run `tsc --noEmit` for that.

/** The event StarlingMonkey (like Spin and wasmtime serve) dispatches for each request. */
interface FetchEvent extends Event {
  readonly request: Request;
  respondWith(response: Response | PromiseLike<Response>): void;
}

addEventListener('fetch', (event) => {
  const e = event as FetchEvent;
  const name = new URL(e.request.url).searchParams.get('name') ?? 'world';
  e.respondWith(
    new Response(`Hello, ${name} (from {{name}})\n`, {
      headers: { 'content-type': 'text/plain; charset=utf-8' },
    }),
  );
});

export {};
