// Invocation logs kept in the registry database: every guest line and the REPORT line, tagged
// with function, version and request id, capped per function (oldest lines go first).

import { stmt, type DB } from '../registry/db.js';
import { LOG_TRUNCATED, renderReport, reportFields, type InvocationLog, type InvocationRecord } from '../http/log.js';

export interface LogEvent {
  id: number;
  ts: number;
  functionName: string;
  version: string;
  requestId: string;
  message: string;
}

export interface LogQuery {
  /** Only lines after this id (for --follow). */
  after?: number;
  /** Only lines at or after this time (ms). */
  since?: number;
  requestId?: string;
  /** Substring filter. */
  contains?: string;
  limit?: number;
}

const eventOf = (r: Record<string, unknown>): LogEvent => ({
  id: r.id as number,
  ts: r.ts as number,
  functionName: r.function_name as string,
  version: r.version as string,
  requestId: r.request_id as string,
  message: r.line as string,
});

/** What a row's `kind` says its message is. */
const LINE = 0; // the line as written
const REPORT = 1; // a REPORT line's fields (http/log.ts reportFields): rendered when read

/** SQL for a row's line, as every reader sees it (the filters match on it too). */
const LINE_SQL = `CASE kind WHEN ${REPORT} THEN wisp_report(request_id, message) ELSE message END`;

/** Lines kept per function (default 10,000, about a megabyte; up to one batch more). */
export const DEFAULT_LINES_PER_FUNCTION = 10_000;

const INSERT_LOGS = 'INSERT INTO logs (function_name, version, request_id, ts, message, kind) VALUES';
const ROW = '(?, ?, ?, ?, ?, ?)';
/** Rows per INSERT statement when a batch is big enough: one statement step per row cost
 *  ~1 µs more per row (3.5 vs 2.7 µs in a loop of 256-row batches; docs/bench.md). */
const ROWS_PER_INSERT = 32;

/** Rows written in flushes that follow each other are trimmed together up to this many. */
const TRIM_CHUNK_ROWS = 256;

/** A function's rows in one batch: the newest id, how many. */
interface Written {
  last: number;
  count: number;
}

interface PendingRow {
  ts: number;
  functionName: string;
  version: string;
  requestId: string;
  message: string;
  kind: number;
}

export class LogStore implements InvocationLog {
  private pending: PendingRow[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  /** Per function, the batches of rows this store wrote and keeps, oldest first. */
  private kept = new Map<string, { batches: Written[]; total: number }>();

  constructor(
    private readonly db: DB,
    private readonly maxLinesPerFunction = DEFAULT_LINES_PER_FUNCTION,
  ) {
    db.function('wisp_report', { deterministic: true }, (requestId, fields) => renderReport(String(requestId), String(fields)));
  }

  record(rec: InvocationRecord): void {
    const ts = Date.now();
    const functionName = rec.fn;
    const version = rec.version ?? '$LATEST';
    const requestId = rec.requestId;
    for (const message of rec.result.logs) this.pending.push({ ts, functionName, version, requestId, message, kind: LINE });
    if (rec.result.logsTruncated) this.pending.push({ ts, functionName, version, requestId, message: LOG_TRUNCATED, kind: LINE });
    // The REPORT line as its fields: a row of ~40 bytes instead of ~150 (insert 3.2 -> 1.9 µs).
    this.pending.push({ ts, functionName, version, requestId, message: reportFields(rec), kind: REPORT });
    // Batch writes: one transaction per 20 ms instead of one per invocation (queries flush first).
    this.flushTimer ??= setTimeout(() => this.flush(), 20);
  }

  flush(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    const insert = stmt(this.db, `${INSERT_LOGS} ${ROW}`);
    const insertMany = stmt(this.db, `${INSERT_LOGS} ${Array(ROWS_PER_INSERT).fill(ROW).join(', ')}`);
    this.db.transaction(() => {
      let lastId = 0;
      let i = 0;
      for (; i + ROWS_PER_INSERT <= batch.length; i += ROWS_PER_INSERT) {
        const args: unknown[] = [];
        for (let j = i; j < i + ROWS_PER_INSERT; j++) {
          const e = batch[j]!;
          args.push(e.functionName, e.version, e.requestId, e.ts, e.message, e.kind);
        }
        lastId = Number(insertMany.run(...args).lastInsertRowid);
      }
      for (; i < batch.length; i++) {
        const e = batch[i]!;
        lastId = Number(insert.run(e.functionName, e.version, e.requestId, e.ts, e.message, e.kind).lastInsertRowid);
      }
      // One connection writes the table, in one transaction: the batch's ids are consecutive.
      const firstId = lastId - batch.length + 1;
      const touched = new Map<string, Written>();
      for (let k = 0; k < batch.length; k++) {
        const fn = batch[k]!.functionName;
        const w = touched.get(fn);
        if (w) (w.last = firstId + k), w.count++;
        else touched.set(fn, { last: firstId + k, count: 1 });
      }
      for (const [fn, w] of touched) this.trim(fn, w, firstId);
    })();
  }

  /**
   * Keeps a function's newest lines: at least the bound (when it has that many) and at most one
   * batch (or chunk of small batches) more. Rows go in whole batches, a few hundred at a time
   * under load, in the flush that pushed the function over: deleting everything over the bound
   * every 20th flush instead (~12,000 rows at once under load) made those flushes ~7.5 ms, the
   * host's p99 latency.
   */
  private trim(fn: string, written: Written, firstId: number): void {
    let kept = this.kept.get(fn);
    if (!kept) {
      // What an earlier process left: trimmed by counting once, then kept as one old batch.
      stmt(this.db, 'DELETE FROM logs WHERE function_name = ? AND id <= (SELECT id FROM logs WHERE function_name = ? ORDER BY id DESC LIMIT 1 OFFSET ?)').run(
        fn,
        fn,
        this.maxLinesPerFunction,
      );
      const old = stmt(this.db, 'SELECT COUNT(*) n FROM logs WHERE function_name = ? AND id < ?').get(fn, firstId) as { n: number };
      kept = { batches: old.n > 0 ? [{ last: firstId - 1, count: old.n }] : [], total: old.n };
      this.kept.set(fn, kept);
    }
    // Small batches (a quiet function: a row or two per flush) join the newest one, so that a
    // function's list stays short (bound / chunk entries) and deletes stay whole chunks.
    const newest = kept.batches[kept.batches.length - 1];
    const chunk = Math.max(1, Math.min(TRIM_CHUNK_ROWS, this.maxLinesPerFunction >> 2));
    if (newest && newest.count < chunk) (newest.last = written.last), (newest.count += written.count);
    else kept.batches.push(written);
    kept.total += written.count;
    let cut = 0;
    while (kept.batches.length > 1 && kept.total - kept.batches[0]!.count >= this.maxLinesPerFunction) {
      const oldest = kept.batches.shift()!;
      kept.total -= oldest.count;
      cut = oldest.last;
    }
    if (cut > 0) stmt(this.db, 'DELETE FROM logs WHERE function_name = ? AND id <= ?').run(fn, cut);
  }

  query(fn: string, q: LogQuery = {}): LogEvent[] {
    this.flush();
    const where = ['function_name = ?'];
    const args: unknown[] = [fn];
    if (q.after !== undefined) (where.push('id > ?'), args.push(q.after));
    if (q.since !== undefined) (where.push('ts >= ?'), args.push(q.since));
    if (q.requestId) (where.push('request_id = ?'), args.push(q.requestId));
    if (q.contains) (where.push(`instr(${LINE_SQL}, ?) > 0`), args.push(q.contains));
    const limit = Math.min(Math.max(q.limit ?? 1000, 1), 10_000);
    // The newest `limit` lines, returned oldest first.
    const rows = this.db
      .prepare(
        `SELECT *, ${LINE_SQL} AS line FROM (SELECT * FROM logs WHERE ${where.join(' AND ')} ORDER BY id ${q.after !== undefined ? 'ASC' : 'DESC'} LIMIT ?) ORDER BY id`,
      )
      .all(...args, limit) as Record<string, unknown>[];
    return rows.map(eventOf);
  }

  /** The newest line id of a function (0 if none): where a new log subscription starts. */
  lastId(fn: string): number {
    this.flush();
    const r = stmt(this.db, 'SELECT MAX(id) id FROM logs WHERE function_name = ?').get(fn) as { id: number | null };
    return r.id ?? 0;
  }
}

/** Send each record to several logs (the store and the host's stdout). */
export class TeeLog implements InvocationLog {
  constructor(private readonly logs: InvocationLog[]) {}
  add(log: InvocationLog): void {
    this.logs.push(log);
  }
  record(rec: InvocationRecord): void {
    for (const l of this.logs) l.record(rec);
  }
}
