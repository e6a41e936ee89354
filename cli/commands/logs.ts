// `wisp logs NAME [--follow]`: a function's invocation logs from the host.

import type { WispClient } from '../client.js';

interface LogEvent {
  id: number;
  ts: number;
  requestId: string;
  message: string;
}

export async function printLogs(api: WispClient, name: string, opts: { follow?: boolean; limit?: number; out?: NodeJS.WritableStream }): Promise<void> {
  const out = opts.out ?? process.stdout;
  const path = `/wisp/v1/functions/${encodeURIComponent(name)}/logs`;
  let r = await api.call<{ events: LogEvent[]; lastId: number }>('GET', `${path}?limit=${opts.limit ?? 100}`);
  for (;;) {
    for (const e of r.events) out.write(`${new Date(e.ts).toISOString()} ${e.requestId} ${e.message}\n`);
    if (!opts.follow) return;
    await new Promise((res) => setTimeout(res, 500));
    r = await api.call('GET', `${path}?after=${r.lastId}`);
  }
}
