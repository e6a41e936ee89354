// Peer: a native binary spawned per request behind node:http (CGI, the Lambda-style process
// baseline). NATIVE=path of the gcc-built hello-c. Prints "PORT n" when listening.
import { createServer } from 'node:http';
import { spawn } from 'node:child_process';

const bin = process.env.NATIVE;
createServer((req, res) => {
  const q = req.url.includes('?') ? req.url.slice(req.url.indexOf('?') + 1) : '';
  const p = spawn(bin, [], { env: { QUERY_STRING: q, REQUEST_METHOD: req.method }, stdio: ['ignore', 'pipe', 'ignore'] });
  const chunks = [];
  p.stdout.on('data', (d) => chunks.push(d));
  p.on('close', (code) => {
    const s = Buffer.concat(chunks).toString();
    const i = s.indexOf('\r\n\r\n');
    res.writeHead(code === 0 ? 200 : 502, { 'content-type': 'text/plain' });
    res.end(i < 0 ? s : s.slice(i + 4));
  });
}).listen(Number(process.env.PORT ?? 0), '127.0.0.1', function () {
  console.log(`PORT ${this.address().port}`);
});
