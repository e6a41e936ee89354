// echo-js: JSON echo (wasi:http). POST a JSON body; the answer is application/json
// {"method","path","body":<parsed body>} (body null when empty, 400 when not JSON).
const json = (status, value) =>
  new Response(`${JSON.stringify(value)}\n`, { status, headers: { 'content-type': 'application/json' } });

addEventListener('fetch', (event) =>
  event.respondWith(
    (async () => {
      const req = event.request;
      const text = await req.text();
      let body = null;
      if (text.length > 0) {
        try {
          body = JSON.parse(text);
        } catch (e) {
          return json(400, { error: `invalid JSON: ${e.message}` });
        }
      }
      return json(200, { method: req.method, path: new URL(req.url).pathname, body });
    })(),
  ),
);
