// The persistent queue of asynchronous (Event) invocations. An event is written before the
// caller gets its 202; a worker claims it (queued -> running), and records the outcome in one
// transaction (done / failed / queued again with a later attempt time). After a crash, events
// left 'running' are queued again: delivery is at-least-once, and an event recorded done is
// never run again.

import { randomUUID } from 'node:crypto';
import { stmt, type DB } from './db.js';

export interface QueuedEvent {
  id: string;
  functionName: string;
  qualifier: string;
  payload: Uint8Array;
  attempts: number;
  createdAt: number;
}

type Row = Record<string, unknown>;

const eventOf = (r: Row): QueuedEvent => ({
  id: r.id as string,
  functionName: r.function_name as string,
  qualifier: r.qualifier as string,
  payload: new Uint8Array(r.payload as Buffer),
  attempts: r.attempts as number,
  createdAt: r.created_at as number,
});

export class EventQueue {
  constructor(private readonly db: DB) {}

  /** `source` names what queued it (api, schedule:ID, logs:ID, destination:EVENT). */
  enqueue(functionName: string, qualifier: string, payload: Uint8Array, at = Date.now(), source = 'api'): string {
    const id = randomUUID();
    this.db
      .prepare(
        `INSERT INTO events (id, function_name, qualifier, payload, status, attempts, next_attempt_at, created_at, updated_at, source)
         VALUES (?, ?, ?, ?, 'queued', 0, ?, ?, ?, ?)`,
      )
      .run(id, functionName, qualifier, Buffer.from(payload), at, at, at, source);
    return id;
  }

  /** Events queued by one source (tests, the console). */
  bySource(source: string): (QueuedEvent & { status: string })[] {
    return (stmt(this.db, 'SELECT * FROM events WHERE source = ? ORDER BY created_at').all(source) as Row[]).map((r) => ({ ...eventOf(r), status: r.status as string }));
  }

  /** Run fn in one transaction with the queue's writes (exactly-once bookkeeping). */
  atomically<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  /** Queue again whatever a previous process left running (it died mid-invocation). */
  recover(): number {
    return stmt(this.db, `UPDATE events SET status = 'queued', updated_at = ? WHERE status = 'running'`).run(Date.now()).changes;
  }

  /** Claim up to `limit` due events, oldest first, skipping functions in `skip`. */
  claim(limit: number, skip: (fn: string) => boolean = () => false, at = Date.now()): QueuedEvent[] {
    return this.db.transaction(() => {
      const rows = this.db
        .prepare(`SELECT * FROM events WHERE status = 'queued' AND next_attempt_at <= ? ORDER BY next_attempt_at, created_at LIMIT ?`)
        .all(at, limit * 4) as Row[];
      const picked = rows.map(eventOf).filter((e) => !skip(e.functionName)).slice(0, limit);
      const mark = stmt(this.db, `UPDATE events SET status = 'running', attempts = attempts + 1, updated_at = ? WHERE id = ?`);
      for (const e of picked) {
        mark.run(at, e.id);
        e.attempts++;
      }
      return picked;
    })();
  }

  complete(id: string, result: Uint8Array): void {
    stmt(this.db, `UPDATE events SET status = 'done', result = ?, last_error = NULL, updated_at = ? WHERE id = ?`).run(Buffer.from(result), Date.now(), id);
  }

  retryLater(id: string, error: string, at: number): void {
    stmt(this.db, `UPDATE events SET status = 'queued', next_attempt_at = ?, last_error = ?, updated_at = ? WHERE id = ?`).run(at, error, Date.now(), id);
  }

  fail(id: string, error: string): void {
    stmt(this.db, `UPDATE events SET status = 'failed', last_error = ?, updated_at = ? WHERE id = ?`).run(error, Date.now(), id);
  }

  /** Put a claimed event back without counting the attempt (e.g. throttled by concurrency). */
  release(id: string, at: number): void {
    stmt(this.db, `UPDATE events SET status = 'queued', attempts = attempts - 1, next_attempt_at = ?, updated_at = ? WHERE id = ?`).run(at, Date.now(), id);
  }

  get(id: string): (QueuedEvent & { status: string; lastError: string | null; result: Uint8Array | null }) | undefined {
    const r = stmt(this.db, 'SELECT * FROM events WHERE id = ?').get(id) as Row | undefined;
    if (!r) return undefined;
    return { ...eventOf(r), status: r.status as string, lastError: (r.last_error as string | null) ?? null, result: r.result ? new Uint8Array(r.result as Buffer) : null };
  }

  counts(): Record<string, number> {
    const rows = stmt(this.db, 'SELECT status, COUNT(*) n FROM events GROUP BY status').all() as Row[];
    return Object.fromEntries(rows.map((r) => [r.status as string, r.n as number]));
  }

  /** Earliest time something queued becomes due (for the dispatcher's sleep). */
  nextDue(): number | undefined {
    const r = stmt(this.db, `SELECT MIN(next_attempt_at) t FROM events WHERE status = 'queued'`).get() as Row;
    return (r.t as number | null) ?? undefined;
  }
}
