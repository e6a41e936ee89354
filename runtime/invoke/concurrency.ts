// Reserved concurrency (Lambda's ReservedConcurrentExecutions): at most N invocations of a
// function in flight at once, across its versions; null means no reservation.

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
    if (n <= 0) this.inFlight.delete(name);
    else this.inFlight.set(name, n);
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
