// Pre-warmed instances of one function (provisioned concurrency). Each instance is handed
// out once — taking removes it — so no instance ever serves two requests; refills run in
// the background after a take so the request that took one does not pay for the next.

import type { GuestInstance } from './instance.js';

export class InstancePool {
  private ready: GuestInstance[] = [];
  private refilling = false;
  closed = false;

  constructor(
    readonly size: number,
    private readonly make: () => Promise<GuestInstance>,
    private readonly onError: (e: unknown) => void,
  ) {}

  take(): GuestInstance | undefined {
    const inst = this.ready.pop();
    this.scheduleRefill();
    return inst;
  }

  get available(): number {
    return this.ready.length;
  }

  scheduleRefill(): void {
    if (this.refilling || this.closed || this.ready.length >= this.size) return;
    this.refilling = true;
    // setImmediate: after the current response is written, never in its critical path.
    setImmediate(() => void this.refill());
  }

  /** Fill to size now (startup, tests). */
  async refill(): Promise<void> {
    this.refilling = true;
    try {
      while (!this.closed && this.ready.length < this.size) this.ready.push(await this.make());
    } catch (e) {
      this.onError(e);
    } finally {
      this.refilling = false;
    }
  }

  close(): void {
    this.closed = true;
    this.ready = [];
  }
}
