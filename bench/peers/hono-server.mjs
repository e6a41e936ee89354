// Peer: bare Hono 'hi' on @hono/node-server (Wisp's own HTTP stack, without Wisp). With
// WASM=path.wasm, GET /wasm?name=X also runs that preview1 command in a new raw V8 instance per
// request (the floor for "a wasm instance per request" in Node). Prints "PORT n" when listening.
import { readFileSync } from 'node:fs';
import { Hono } from 'hono';
import { serve } from '@hono/node-server';
import { runCommand, cgiBody } from './preview1.mjs';

const app = new Hono();
app.get('/', (c) => c.text('hi'));
if (process.env.WASM) {
  const mod = new WebAssembly.Module(readFileSync(process.env.WASM));
  app.get('/wasm', (c) => {
    const q = new URL(c.req.url).search.slice(1);
    return c.text(cgiBody(runCommand(mod, { QUERY_STRING: q, REQUEST_METHOD: 'GET' })));
  });
}
const port = Number(process.env.PORT ?? 0);
serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, (info) => console.log(`PORT ${info.port}`));
