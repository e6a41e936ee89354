// Pre-warmed instances of one function (provisioned concurrency). Each instance is handed
// out once — taking removes it — so no instance ever serves two requests; refills run in
// the background after a take so the request that took one does not pay for the next.

import type { GuestInstance } from './instance.js';

export class InstancePool {
  private ready: GuestInstance[] = [];
  /** A refill scheduled (setImmediate) or running. */
  private refilling = false;
  /** The refill running now: later refill() calls wait for it instead of making instances of
   *  their own alongside it (which filled the pool past its size, and left a prepare() that
   *  returned early racing the background refill for the thread: the next request waited). */
  private filling: Promise<void> | undefined;
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

  /** Fill to size now (startup, tests, prepare()); resolves once the pool is full. */
  refill(): Promise<void> {
    this.refilling = true;
    return (this.filling ??= this.fill().finally(() => {
      this.filling = undefined;
      this.refilling = false;
    }));
  }

  private async fill(): Promise<void> {
    try {
      while (!this.closed && this.ready.length < this.size) this.ready.push(await this.make());
    } catch (e) {
      this.onError(e);
    }
  }

  close(): void {
    this.closed = true;
    this.ready = [];
  }
}
