// Reserved concurrency (Lambda's ReservedConcurrentExecutions): at most N invocations of a
// function in flight at once, across its versions; null means no reservation.

/** Entries at 0 kept before they are dropped on release. */
const MAX_IDLE_ENTRIES = 1024;

export class ConcurrencyGate {
  private inFlight = new Map<string, number>();

  tryAcquire(name: string, limit: number | null): boolean {
    const n = this.inFlight.get(name) ?? 0;
    if (limit !== null && n >= limit) return false;
    this.inFlight.set(name, n + 1);
    return true;
  }

  release(name: string): void {
    const n = (this.inFlight.get(name) ?? 1) - 1;
    // A function's entry stays at 0 (a set and a delete per request made the Map rehash every
    // few thousand); the entries of functions no longer invoked go when there are many.
    if (n <= 0 && this.inFlight.size > MAX_IDLE_ENTRIES) this.inFlight.delete(name);
    else this.inFlight.set(name, n < 0 ? 0 : n);
  }

  current(name: string): number {
    return this.inFlight.get(name) ?? 0;
  }

  total(): number {
    let t = 0;
    for (const n of this.inFlight.values()) t += n;
    return t;
  }
}
