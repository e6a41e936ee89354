// sha256-js: CPU-bound (wasi:http). Answers the hex SHA-256 of the request body, computed with
// StarlingMonkey's crypto.subtle.digest.
addEventListener('fetch', (event) =>
  event.respondWith(
    (async () => {
      const data = await event.request.arrayBuffer();
      const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', data));
      const hex = Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
      return new Response(`${hex}\n`, { headers: { 'content-type': 'text/plain; charset=utf-8' } });
    })(),
  ),
);
