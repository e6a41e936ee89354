// {{name}}: a Wisp function in JavaScript, the standard wasi:http shape written as a
// fetch-event handler (runs unchanged on Spin or wasmtime serve). The request path is the part
// after /fn/{{name}}. Build: wisp build . (componentize-js, StarlingMonkey).
addEventListener('fetch', (event) =>
  event.respondWith(
    (async () => {
      const url = new URL(event.request.url);
      const name = url.searchParams.get('name') ?? 'world';
      return new Response(`Hello, ${name} (from {{name}})\n`, {
        headers: { 'content-type': 'text/plain; charset=utf-8' },
      });
    })(),
  ),
);
