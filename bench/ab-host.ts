// A/B of two builds of the host, interleaved in one run: spawn -> first hello-c response, and
// hello-c throughput under wrk -c2. Each checkout must be built (`npm run build:ts`) and is run
// through its own bin/wisp-host (bin/wisp.js in checkouts older than it). `node -e` serving
// 'hi' is measured in the same rounds as the spawn baseline. Usage (from a built checkout):
//   node dist/bench/ab-host.js A=/path/to/checkout-a B=/path/to/checkout-b [--rounds 9] [--load-seconds 3]
//     [--env A:KEY=VALUE ...]   (an environment variable for one subject: the same checkout can
//                               run twice, e.g. B=. --env B:WISP_RECYCLE=0)
// Used to decide host-level changes (docs/bench.md records the results).

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { firstResponse, NODE_E_HI, startChild, which, wrk, type Child } from './lib/proc.js';
import { abArgs, helloCFunctions } from './lib/ab-args.js';
import { summarize } from './lib/stats.js';

const { subjects, flag } = abArgs(
  process.argv.slice(2),
  'node dist/bench/ab-host.js NAME=CHECKOUT [NAME=CHECKOUT ...] [--rounds N] [--load-seconds S]',
);
const ROUNDS = flag('rounds', 9);
const LOAD_SECONDS = flag('load-seconds', 3);
const { tmp, fnsDir } = helloCFunctions('wisp-ab-');

/** Each checkout's production launcher: bin/wisp-host (startup snapshot) where it has one. */
const launcher = (dir: string): { cmd: string; args: string[] } =>
  existsSync(join(dir, 'bin/wisp-host')) ? { cmd: join(dir, 'bin/wisp-host'), args: [] } : { cmd: process.execPath, args: [join(dir, 'bin/wisp.js')] };
const up = (s: { name: string; dir: string; env: Record<string, string> }): Promise<Child> => {
  const { cmd, args } = launcher(s.dir);
  return startChild({
    cmd,
    args: [...args, 'up', '--port', '0', '--data', join(tmp, `data-${s.name}`), '--functions', fnsDir],
    ready: { stream: 'stderr', re: /serving \d+ functions on (http:\/\/[^/\s]+)/ },
    timeoutMs: 120_000,
    env: s.env,
  });
};
const spawnSamples: Record<string, number[]> = {};
const runs: { name: string; run: () => Promise<number> }[] = [
  ...subjects.map((s) => ({ name: s.name, run: () => firstResponse(() => up(s), '/fn/hello-c/?name=b', 'Hello, b') })),
  { name: 'node -e', run: () => firstResponse(() => startChild({ cmd: process.execPath, args: ['-e', NODE_E_HI], ready: { stream: 'stdout', re: /PORT (\d+)/ } }), '/', 'hi') },
];
// Round 0 seeds each data dir (builds hello-c once) and warms the page cache; not counted.
for (let r = 0; r <= ROUNDS; r++) {
  for (let i = 0; i < runs.length; i++) {
    const x = runs[(i + r) % runs.length]!;
    const ms = await x.run();
    if (r > 0) (spawnSamples[x.name] ??= []).push(ms);
  }
}

/** CPU time (user + system, all threads) a process has used so far, in ms (Linux). */
function cpuMs(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ 100)
}

const rps: Record<string, number[]> = {};
const cpuPerReq: Record<string, number[]> = {};
const wrkBin = which('wrk');
if (wrkBin) {
  const hosts = await Promise.all(subjects.map(async (s) => ({ s, c: await up(s) })));
  try {
    for (const h of hosts) await wrk(wrkBin, `${h.c.url}/fn/hello-c/?name=b`, 1); // warm-up
    for (let r = 0; r < 3; r++) {
      for (let i = 0; i < hosts.length; i++) {
        const h = hosts[(i + r) % hosts.length]!;
        const cpu0 = cpuMs(h.c.proc.pid!);
        const w = await wrk(wrkBin, `${h.c.url}/fn/hello-c/?name=b`, LOAD_SECONDS);
        if (w.errors) throw new Error(`${h.s.name}: ${w.errors}`);
        (rps[h.s.name] ??= []).push(w.rps);
        (cpuPerReq[h.s.name] ??= []).push(((cpuMs(h.c.proc.pid!) - cpu0) * 1000) / w.requests);
      }
    }
  } finally {
    await Promise.all(hosts.map((h) => h.c.stop()));
  }
}

const load = spawnSync('cat', ['/proc/loadavg'], { encoding: 'utf8' }).stdout.trim();
console.log(`spawn -> first response (ms, ${ROUNDS} interleaved rounds), load average now ${load}`);
const base = summarize(spawnSamples['node -e']!).median;
for (const [name, v] of Object.entries(spawnSamples)) {
  const s = summarize(v);
  console.log(`  ${name.padEnd(10)} median ${s.median.toFixed(1)}  p90 ${s.p90.toFixed(1)}  min ${s.min.toFixed(1)}  = ${(s.median / base).toFixed(2)}x node -e`);
}
if (wrkBin) {
  console.log(`hello-c throughput (req/s, wrk -t1 -c2, ${LOAD_SECONDS} s x 3 interleaved)`);
  for (const [name, v] of Object.entries(rps)) {
    const s = summarize(v);
    const cpu = summarize(cpuPerReq[name]!).median;
    console.log(`  ${name.padEnd(10)} median ${s.median.toFixed(0)}  min ${s.min.toFixed(0)}  max ${s.max.toFixed(0)}  host CPU ${cpu.toFixed(0)} µs/request`);
  }
} else console.log('wrk not installed: no throughput figures');
