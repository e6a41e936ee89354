// A/B of the data plane of two builds in one process: each checkout's host (built, from its
// dist/) serves hello-c through its own data plane, called directly with a request as Node hands
// it over (no socket), in alternating blocks; CPU time per request (process.cpuUsage), median
// over the blocks. What it measures is what a request costs the host beyond Node's HTTP: routing,
// the invocation, logs (console to this process's stdout) and metrics. Finer than
// bench/ab-host.ts, whose throughput depends on the client and the loopback too (docs/bench.md,
// 5e). Usage (pin it to one core for steadier figures):
//   taskset -c 1 node dist/bench/plane-ab.js A=/path/to/checkout-a B=/path/to/checkout-b [--blocks 15] [--requests 40000] > /dev/null

import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { abArgs, helloCFunctions } from './lib/ab-args.js';
import { summarize } from './lib/stats.js';

const { subjects, flag } = abArgs(
  process.argv.slice(2),
  'node dist/bench/plane-ab.js NAME=CHECKOUT [NAME=CHECKOUT ...] [--blocks 15] [--requests 40000]',
);
const BLOCKS = flag('blocks', 15);
const REQUESTS = flag('requests', 40_000);
const { tmp, fnsDir } = helloCFunctions('wisp-plane-ab-');

type Plane = (m: IncomingMessage) => unknown;
const planes: { name: string; plane: Plane; close: () => Promise<void>; cpu: number[] }[] = [];
for (const s of subjects) {
  const load = (p: string) => import(pathToFileURL(join(s.dir, 'dist', p)).href);
  const { startHost } = await load('runtime/host.js');
  const { dataPlane } = await load('runtime/http/data-plane.js');
  const host = await startHost({ port: 0, dataDir: join(tmp, `data-${s.name}`), functionsDir: fnsDir });
  const r = await fetch(`${host.url}/fn/hello-c/?name=b`);
  if ((await r.text()) !== 'Hello, b\n') throw new Error(`${s.name}: hello-c did not answer`);
  planes.push({ name: s.name, plane: dataPlane({ invoker: host.invoker, requestBytes: 6 << 20 }), close: () => host.close(), cpu: [] });
}

// What Node's server hands the data plane for `GET /fn/hello-c/?name=b` from wrk.
const request = {
  url: '/fn/hello-c/?name=b',
  method: 'GET',
  headers: { host: '127.0.0.1:8080', 'user-agent': 'wrk' },
  socket: { remoteAddress: '127.0.0.1' },
} as unknown as IncomingMessage;
const turn = () => new Promise((r) => setImmediate(r));
/** Requests back to back, yielding to the event loop every 64 (flushes and zeroing run there). */
async function serve(plane: Plane, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    plane(request);
    if (i % 64 === 63) await turn();
  }
}

for (const p of planes) await serve(p.plane, REQUESTS); // warm-up: optimised code, full pools
for (let b = 0; b < BLOCKS; b++) {
  for (const p of b % 2 ? [...planes].reverse() : planes) {
    const c0 = process.cpuUsage();
    await serve(p.plane, REQUESTS);
    const c = process.cpuUsage(c0);
    p.cpu.push((c.user + c.system) / REQUESTS);
  }
}
console.error(`data plane, hello-c, CPU µs per request (${BLOCKS} alternating blocks of ${REQUESTS}):`);
const base = summarize(planes[0]!.cpu).median;
for (const p of planes) {
  const s = summarize(p.cpu);
  console.error(`  ${p.name.padEnd(10)} median ${s.median.toFixed(2)}  min ${s.min.toFixed(2)}  p90 ${s.p90.toFixed(2)}  = ${(s.median / base).toFixed(2)}x ${planes[0]!.name}`);
}
for (const p of planes) await p.close();
process.exit(0);
