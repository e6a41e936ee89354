// Fires triggers into the Event queue. Schedules: when a tick is due, the trigger's cursor moves
// to it and the event is queued in one transaction (a tick never fires twice). After downtime
// only the latest missed tick fires, once; earlier missed ticks are skipped, as EventBridge does.
// Log subscriptions: new lines of the source function (after the cursor) that match the filter
// go out in batches of up to BatchSize, each batch one event.

import { randomUUID } from 'node:crypto';
import { functionArn } from '../api/shapes.js';
import type { LogEvent, LogStore } from '../monitoring/logs.js';
import type { EventQueue } from '../registry/events.js';
import type { Trigger, Triggers } from '../registry/triggers.js';
import { nextFire, parseSchedule } from './expression.js';

export interface TriggerRunnerOptions {
  triggers: Triggers;
  queue: EventQueue;
  logs: LogStore;
  /** Wake the dispatcher after queueing. */
  kick: () => void;
  /** How often triggers are checked (default 1000 ms; tests use less). */
  intervalMs?: number;
}

/** The event a scheduled function receives (EventBridge's "Scheduled Event" shape). */
export function scheduledEvent(t: Trigger, tick: number): Record<string, unknown> {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'wisp.scheduler',
    account: '000000000000',
    time: new Date(tick).toISOString(),
    region: 'us-east-1',
    resources: [`${functionArn(t.functionName)}/trigger/${t.id}`],
    detail: { triggerId: t.id, scheduleExpression: t.expression },
  };
}

/** CloudWatch-Logs-style filter: every space-separated term (or "quoted phrase") must appear. */
export function matches(filter: string, message: string): boolean {
  const terms = filter.match(/"[^"]*"|\S+/g) ?? [];
  return terms.every((t) => message.includes(t.replace(/^"|"$/g, '')));
}

/** A failed invocation shows as a REPORT line with an Error (log.ts reportLine). */
const isFailure = (e: LogEvent) => e.message.startsWith('REPORT ') && e.message.includes('\tError: ');

export class TriggerRunner {
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: TriggerRunnerOptions) {}

  start(): void {
    this.timer = setInterval(() => this.tick(), this.opts.intervalMs ?? 1000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  tick(now = Date.now()): void {
    let queued = false;
    for (const t of this.opts.triggers.enabled('schedule')) queued = this.schedule(t, now) || queued;
    for (const t of this.opts.triggers.enabled('logs')) queued = this.logs(t) || queued;
    if (queued) this.opts.kick();
  }

  private schedule(t: Trigger, now: number): boolean {
    const s = parseSchedule(t.expression!);
    let due = nextFire(s, t.cursor, t.createdAt);
    if (due === undefined || due > now) return false;
    for (let n = nextFire(s, due, t.createdAt); n !== undefined && n <= now; n = nextFire(s, n, t.createdAt)) due = n;
    const payload = new TextEncoder().encode(JSON.stringify(scheduledEvent(t, due)));
    return this.opts.queue.atomically(() => {
      if (!this.opts.triggers.advance(t.id, t.cursor, due)) return false;
      this.opts.queue.enqueue(t.functionName, t.qualifier, payload, now, `schedule:${t.id}`);
      return true;
    });
  }

  private logs(t: Trigger): boolean {
    const lines = this.opts.logs.query(t.sourceFunction!, { after: t.cursor, limit: 1000 });
    if (lines.length === 0) return false;
    const wanted = lines.filter((e) => (t.failuresOnly ? isFailure(e) : true) && matches(t.filter, e.message));
    const last = lines[lines.length - 1]!.id;
    return this.opts.queue.atomically(() => {
      if (!this.opts.triggers.advance(t.id, t.cursor, last)) return false;
      for (let i = 0; i < wanted.length; i += t.batchSize) {
        const batch = wanted.slice(i, i + t.batchSize);
        const payload = {
          source: 'wisp.logs',
          triggerId: t.id,
          functionName: t.sourceFunction,
          filter: t.filter,
          failuresOnly: t.failuresOnly,
          logEvents: batch.map((e) => ({ id: String(e.id), timestamp: e.ts, requestId: e.requestId, version: e.version, message: e.message })),
        };
        this.opts.queue.enqueue(t.functionName, t.qualifier, new TextEncoder().encode(JSON.stringify(payload)), Date.now(), `logs:${t.id}`);
      }
      return wanted.length > 0;
    });
  }
}
