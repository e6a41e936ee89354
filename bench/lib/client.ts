// An HTTP client on its own thread: the host under test owns the main thread's event loop, and
// a client sharing it would be measured waiting behind the host's background work (pool
// refills), which a real client in another process never sees.

import { Worker } from 'node:worker_threads';

export interface Timed {
  ms: number;
  status: number;
  tier: string | null;
}

const SOURCE = `
const { parentPort } = require('node:worker_threads');
parentPort.on('message', async ({ id, url }) => {
  try {
    const t = performance.now();
    const r = await fetch(url);
    await r.arrayBuffer();
    parentPort.postMessage({ id, ms: performance.now() - t, status: r.status, tier: r.headers.get('x-wisp-start') });
  } catch (e) {
    parentPort.postMessage({ id, error: String(e) });
  }
});
`;

export class BenchClient {
  private worker = new Worker(SOURCE, { eval: true });
  private next = 0;
  private waiting = new Map<number, (t: Timed & { error?: string }) => void>();

  constructor() {
    this.worker.on('message', (m: Timed & { id: number; error?: string }) => {
      this.waiting.get(m.id)?.(m);
      this.waiting.delete(m.id);
    });
  }

  async get(url: string): Promise<Timed> {
    const id = this.next++;
    const r = await new Promise<Timed & { error?: string }>((resolve) => {
      this.waiting.set(id, resolve);
      this.worker.postMessage({ id, url });
    });
    if (r.error) throw new Error(`${url}: ${r.error}`);
    return r;
  }

  close(): Promise<number> {
    return this.worker.terminate();
  }
}
