// hello-js: a wasi:http function written as a fetch-event handler (runs unchanged on Spin or
// wasmtime serve). Wisp passes the path after /fn/hello-js as the request path.
addEventListener('fetch', (event) =>
  event.respondWith(
    (async () => {
      const url = new URL(event.request.url);
      const name = url.searchParams.get('name') ?? 'world';
      return new Response(`Hello, ${name}\n`, {
        headers: { 'content-type': 'text/plain; charset=utf-8' },
      });
    })(),
  ),
);
