// Peer: the JS hello as a workerd Worker (same logic as examples/hello-js).
export default {
  async fetch(request) {
    const name = new URL(request.url).searchParams.get('name') ?? 'world';
    return new Response(`Hello, ${name}\n`, { headers: { 'content-type': 'text/plain; charset=utf-8' } });
  },
};
