// Runs queued Event invocations in the background: claims due events, runs them through the
// invoker (so reserved concurrency applies: an event for a function at its limit waits in the
// queue instead of failing), and records the outcome. Failures are retried with exponential
// backoff (default 2 retries, Lambda's default), then marked failed.

import type { InvokeRequest } from '../engine/types.js';
import type { Invoker } from '../invoke/invoker.js';
import { ApiError } from '../registry/errors.js';
import type { EventQueue, QueuedEvent } from '../registry/events.js';

export interface RetryPolicy {
  /** Retries after the first attempt (Lambda: 0-2, default 2). */
  maxRetries: number;
  /** Events older than this are not run any more (Lambda: 60-21600 s, default 6 h). */
  maxAgeMs: number;
}

export interface Outcome {
  ok: boolean;
  status: number;
  body: Uint8Array;
  error?: string;
  version?: string;
}

export interface DispatcherOptions {
  queue: EventQueue;
  invoker: Invoker;
  /** Per-event policy (event-invoke-config); defaults to 2 retries, 6 h. */
  policy?: (e: QueuedEvent) => RetryPolicy;
  /** First retry delay; doubles each retry (default 1000 ms; Lambda waits about a minute). */
  retryBaseMs?: number;
  /** How often to look for due events when idle (default 250 ms). */
  pollMs?: number;
  /** Most events running at once on this host (default 16). */
  maxConcurrent?: number;
  /** Records a final outcome: marks the event done/failed and does whatever follows
   *  (destinations, dead letters) in one transaction. Default: just mark it. */
  finish?: (e: QueuedEvent, outcome: Outcome, final: Final) => void;
}

export type Final = 'success' | 'failure' | 'expired';

export const DEFAULT_POLICY: RetryPolicy = { maxRetries: 2, maxAgeMs: 6 * 3600 * 1000 };

export class Dispatcher {
  private running = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;
  private inFlight = new Set<Promise<void>>();

  constructor(private readonly opts: DispatcherOptions) {}

  start(): void {
    this.stopped = false;
    this.opts.queue.recover();
    this.kick();
  }

  /** Look for work now (after an enqueue) instead of at the next poll. */
  kick(): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.tick(), 0);
  }

  private tick(): void {
    if (this.stopped) return;
    const max = this.opts.maxConcurrent ?? 16;
    const room = max - this.running;
    if (room > 0) {
      const claimed = this.opts.queue.claim(room, (fn) => this.atLimit(fn));
      for (const e of claimed) this.track(this.run(e));
    }
    this.timer = setTimeout(() => this.tick(), this.opts.pollMs ?? 250);
  }

  private atLimit(fn: string): boolean {
    try {
      const { reserved } = this.opts.invoker.resolve(fn);
      return reserved !== null && this.opts.invoker.concurrency.current(fn) >= reserved;
    } catch {
      return false; // unknown function: claim it so it fails with a clear error
    }
  }

  private track(p: Promise<void>): void {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  private async run(e: QueuedEvent): Promise<void> {
    this.running++;
    try {
      const policy = this.opts.policy?.(e) ?? DEFAULT_POLICY;
      if (Date.now() - e.createdAt > policy.maxAgeMs) {
        const outcome: Outcome = { ok: false, status: 0, body: new Uint8Array(0), error: 'EventAgeExceeded: the event is older than MaximumEventAgeInSeconds' };
        this.finish(e, outcome, 'expired');
        return;
      }
      const outcome = await this.attempt(e);
      if (outcome === 'throttled') {
        this.opts.queue.release(e.id, Date.now() + 100);
        return;
      }
      if (outcome.ok) {
        this.finish(e, outcome, 'success');
      } else if (e.attempts <= policy.maxRetries) {
        const delay = (this.opts.retryBaseMs ?? 1000) * 2 ** (e.attempts - 1);
        this.opts.queue.retryLater(e.id, outcome.error ?? `status ${outcome.status}`, Date.now() + delay);
      } else {
        this.finish(e, outcome, 'failure');
      }
    } finally {
      this.running--;
    }
    this.kick();
  }

  private finish(e: QueuedEvent, outcome: Outcome, final: Final): void {
    if (this.opts.finish) return this.opts.finish(e, outcome, final);
    if (final === 'success') this.opts.queue.complete(e.id, outcome.body);
    else this.opts.queue.fail(e.id, outcome.error ?? `status ${outcome.status}`);
  }

  private async attempt(e: QueuedEvent): Promise<Outcome | 'throttled'> {
    const req: InvokeRequest = {
      requestId: e.id,
      method: 'POST',
      path: '/',
      query: '',
      headers: [['content-type', 'application/json']],
      body: e.payload,
      scheme: 'http',
      authority: 'localhost',
      remoteAddr: '',
    };
    try {
      const inv = await this.opts.invoker.invoke(e.functionName, e.qualifier === '$LATEST' ? undefined : e.qualifier, req);
      const { result } = inv;
      if (result.error) return { ok: false, status: result.error.status, body: new Uint8Array(0), error: `${result.error.code}: ${result.error.message}`, version: inv.version };
      const res = result.response!;
      const ok = res.status < 500;
      return { ok, status: res.status, body: res.body, error: ok ? undefined : `function answered ${res.status}`, version: inv.version };
    } catch (err) {
      if (err instanceof ApiError && err.status === 429) return 'throttled';
      if (err instanceof ApiError) return { ok: false, status: err.status, body: new Uint8Array(0), error: `${err.type}: ${err.message}` };
      throw err;
    }
  }

  /** Stop claiming; wait for running events to finish (they are recorded normally). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await Promise.allSettled([...this.inFlight]);
  }
}
