// Peer: a workerd Worker that makes a new instance of the hello-c preview1 core module per
// request (the same C function Wisp runs warm), with the minimal WASI shim of preview1.mjs.
import mod from './hello.wasm';
import { runCommand, cgiBody } from './preview1.mjs';

export default {
  async fetch(request) {
    const q = new URL(request.url).search.slice(1);
    return new Response(cgiBody(runCommand(mod, { QUERY_STRING: q, REQUEST_METHOD: 'GET' })), {
      headers: { 'content-type': 'text/plain; charset=utf-8' },
    });
  },
};
