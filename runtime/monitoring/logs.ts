// Invocation logs kept in the registry database: every guest line and the REPORT line, tagged
// with function, version and request id, capped per function (oldest lines go first).
//
// Stored in chunks: the lines a function wrote between two flushes (20 ms apart) are one row of
// `log_chunks`, encoded as they arrive into a byte buffer outside V8's heap. A row per line cost
// ~2–3 µs of the host's CPU per invocation under load (SQLite's insert and index, the rows kept on
// the heap until the flush); a chunk costs ~0.3 µs a line (docs/bench.md, 5d). Reads decode a
// function's chunks, at most its bound of lines (10,000 by default), and filter them here.
//
// A chunk's `data` is UTF-8 text, one line per line:
//   ID_DELTA \t TS_DELTA \t REQUEST_ID \t VERSION \t KIND \t MESSAGE \n
// the deltas from the previous line (the first line's from the row's `id` and `first_ts`: 0, 0).

import { stmt, type DB } from '../registry/db.js';
import { LOG_TRUNCATED, renderReport, reportValues, type InvocationLog, type InvocationRecord } from '../http/log.js';
import { maxBytes, putInt, putText } from '../http/text-bytes.js';

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
  /** Substring filter (on the line as shown). */
  contains?: string;
  limit?: number;
}

/** What a line's KIND says its MESSAGE is. */
const LINE = 0; // the line as written
const REPORT = 1; // a REPORT line's fields (http/log.ts reportValues, tab-separated): rendered when read
const JSON_LINE = 2; // a line holding a newline, as a JSON string

/** Lines kept per function (default 10,000, about a megabyte; up to one chunk more). */
export const DEFAULT_LINES_PER_FUNCTION = 10_000;

/** A function's flush of fewer lines than this joins its newest chunk (when that one is this
 *  small too), so a quiet function's lines make a few chunks, not a row each. */
const SMALL_CHUNK_LINES = 256;

/** How long lines wait to be written together. */
const FLUSH_MS = 20;

/** A function's pending lines beyond this many bytes are written at once. */
const MAX_PENDING_BYTES = 4 << 20;
/** While writes fail: how often they are retried, and how much a function's pending lines may
 *  grow to before they are dropped. */
const RETRY_MS = 1000;
const MAX_FAILING_BYTES = 64 << 20;

/** The lines of one function since the last flush: a chunk in the making. */
interface Pending {
  buf: Buffer;
  bytes: number;
  count: number;
  firstId: number;
  firstTs: number;
  lastId: number;
  lastTs: number;
  maxTs: number;
}

/** A stored chunk, as the trimming sees it. */
interface Chunk {
  id: number;
  count: number;
}

const INSERT_CHUNK = 'INSERT INTO log_chunks (id, function_name, first_ts, last_id, count, max_ts, data) VALUES (?, ?, ?, ?, ?, ?, ?)';

/** One line of a chunk (the format above), written at `at`; the deltas are from the line
 *  before it; a REPORT's message is its fields, joined here by tabs. The offset after it. */
function putLine(b: Buffer, at: number, idDelta: number, tsDelta: number, requestId: string, version: string, kind: number, message: string | readonly string[]): number {
  at = putInt(b, at, idDelta);
  b[at++] = TAB;
  at = putInt(b, at, tsDelta);
  b[at++] = TAB;
  at = putText(b, at, requestId);
  b[at++] = TAB;
  at = putText(b, at, version);
  b[at++] = TAB;
  b[at++] = 0x30 + kind;
  b[at++] = TAB;
  if (typeof message === 'string') at = putText(b, at, message);
  else {
    for (let i = 0; i < message.length; i++) {
      if (i > 0) b[at++] = TAB;
      at = putText(b, at, message[i]!);
    }
  }
  b[at++] = LF;
  return at;
}

/** The most bytes putLine() may write. */
function lineBytes(requestId: string, version: string, message: string | readonly string[]): number {
  let n = 48 + maxBytes(requestId) + maxBytes(version);
  if (typeof message === 'string') n += maxBytes(message);
  else for (const x of message) n += maxBytes(x) + 1;
  return n;
}

const TAB = 9;
const LF = 10;

export class LogStore implements InvocationLog {
  private pending = new Map<string, Pending>();
  /** Buffers of flushed chunks, reused by the next ones. */
  private spare: Buffer[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  /** Per function, its stored chunks (oldest first) and their lines; loaded on its first flush. */
  private kept = new Map<string, { chunks: Chunk[]; total: number }>();
  /** The next line's id: ids grow across functions and restarts (a follower's cursor). */
  private nextId: number;
  /** The last write failed (flushSafe). */
  private failing = false;
  /** Told after each write of lines (the WAL checkpointer times its checkpoints by it). */
  onWritten: () => void = () => {};

  constructor(
    private readonly db: DB,
    private readonly maxLinesPerFunction = DEFAULT_LINES_PER_FUNCTION,
  ) {
    const r = db.prepare('SELECT MAX(last_id) id FROM log_chunks').get() as { id: number | null };
    this.nextId = (r.id ?? 0) + 1;
  }

  record(rec: InvocationRecord): void {
    const ts = Date.now();
    const fn = rec.fn;
    const version = rec.version ?? '$LATEST';
    const requestId = rec.requestId;
    const p = this.pending.get(fn) ?? this.open(fn, ts);
    for (const message of rec.result.logs) this.line(p, ts, requestId, version, LINE, message);
    if (rec.result.logsTruncated) this.line(p, ts, requestId, version, LINE, LOG_TRUNCATED);
    this.line(p, ts, requestId, version, REPORT, reportValues(rec));
    if (p.bytes > MAX_PENDING_BYTES && !this.failing) this.flushSafe();
    else this.flushTimer ??= setTimeout(() => this.flushSafe(), this.failing ? RETRY_MS : FLUSH_MS);
  }

  /** flush() from a timer or an invocation: a database that refuses the write (disk full, a
   *  lock held too long) must not fail the invocation or the host. The lines stay pending and
   *  the write is retried every RETRY_MS; past MAX_FAILING_BYTES a function's oldest pending
   *  lines are dropped, and said so. */
  private flushSafe(): void {
    try {
      this.flush();
      if (this.failing) console.error('wisp: writing logs works again');
      this.failing = false;
    } catch (e) {
      if (!this.failing) console.error(`wisp: writing logs failed (kept, retried every ${RETRY_MS} ms):`, e instanceof Error ? e.message : e);
      this.failing = true;
      for (const [fn, p] of this.pending) {
        if (p.bytes <= MAX_FAILING_BYTES) continue;
        this.pending.delete(fn);
        console.error(`wisp: dropped ${p.count} log lines of ${fn}: the log store still fails`);
      }
      this.flushTimer ??= setTimeout(() => this.flushSafe(), RETRY_MS);
    }
  }

  private open(fn: string, ts: number): Pending {
    const p: Pending = { buf: this.spare.pop() ?? Buffer.allocUnsafe(64 << 10), bytes: 0, count: 0, firstId: this.nextId, firstTs: ts, lastId: this.nextId, lastTs: ts, maxTs: ts };
    this.pending.set(fn, p);
    return p;
  }

  private line(p: Pending, ts: number, requestId: string, version: string, kind: number, message: string | readonly string[]): void {
    const id = this.nextId++;
    if (kind === LINE && (message as string).includes('\n')) (kind = JSON_LINE), (message = JSON.stringify(message));
    const room = lineBytes(requestId, version, message);
    if (p.buf.length - p.bytes < room) {
      const bigger = Buffer.allocUnsafe(Math.max(p.buf.length * 2, p.bytes + room));
      p.buf.copy(bigger, 0, 0, p.bytes);
      p.buf = bigger;
    }
    p.bytes = putLine(p.buf, p.bytes, id - p.lastId, ts - p.lastTs, requestId, version, kind, message);
    p.count++;
    p.lastId = id;
    p.lastTs = ts;
    if (ts > p.maxTs) p.maxTs = ts;
  }

  flush(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.pending.size === 0) return;
    const batch = this.pending;
    try {
      this.db.transaction(() => {
        for (const [fn, p] of batch) this.write(fn, p);
      })();
    } catch (e) {
      // Rolled back: the lines stay pending (nothing was added since: this runs synchronously),
      // and what trim() remembered of these functions is read again from the database.
      for (const fn of batch.keys()) this.kept.delete(fn);
      throw e;
    }
    this.pending = new Map();
    this.onWritten();
    for (const p of batch.values()) if (p.buf.length === 64 << 10 && this.spare.length < 4) this.spare.push(p.buf);
  }

  /** Writes a function's pending lines as a chunk (or onto its newest one) and trims it. */
  private write(fn: string, p: Pending): void {
    const kept = this.keptOf(fn);
    const data = p.buf.subarray(0, p.bytes);
    const newest = kept.chunks[kept.chunks.length - 1];
    const small = Math.max(1, Math.min(SMALL_CHUNK_LINES, this.maxLinesPerFunction >> 2));
    if (newest && newest.count < small && p.count < small) {
      // Appended: the first line's deltas, 0 and 0 in a chunk of its own, become its distance
      // from the chunk's last line (a small chunk: decoded to find it).
      const row = stmt(this.db, 'SELECT * FROM log_chunks WHERE id = ?').get(newest.id) as ChunkRow;
      const last = decode(fn, row).at(-1)!;
      const head = Buffer.from(`${p.firstId - last.id}\t${p.firstTs - last.ts}`);
      const rest = data.subarray(data.indexOf(9, data.indexOf(9) + 1));
      stmt(this.db, 'UPDATE log_chunks SET data = ?, last_id = ?, count = count + ?, max_ts = MAX(max_ts, ?) WHERE id = ?').run(
        Buffer.concat([row.data, head, rest]),
        p.lastId,
        p.count,
        p.maxTs,
        newest.id,
      );
      newest.count += p.count;
    } else {
      stmt(this.db, INSERT_CHUNK).run(p.firstId, fn, p.firstTs, p.lastId, p.count, p.maxTs, data);
      kept.chunks.push({ id: p.firstId, count: p.count });
    }
    kept.total += p.count;
    this.trim(fn, kept);
  }

  /**
   * Keeps a function's newest lines: at least the bound (when it has that many) and at most one
   * chunk more. Whole chunks go, in the flush that pushed the function over: deleting everything
   * over the bound at once every so often (~12,000 rows under load) had made those flushes the
   * host's p99 latency.
   */
  private trim(fn: string, kept: { chunks: Chunk[]; total: number }): void {
    let cut = -1;
    while (kept.chunks.length > 1 && kept.total - kept.chunks[0]!.count >= this.maxLinesPerFunction) {
      const oldest = kept.chunks.shift()!;
      kept.total -= oldest.count;
      cut = oldest.id;
    }
    if (cut >= 0) stmt(this.db, 'DELETE FROM log_chunks WHERE function_name = ? AND id <= ?').run(fn, cut);
  }

  /** A function's stored chunks. What an earlier process left beyond this store's bound (or a
   *  chunk of old rows bigger than it) is cut to the bound here, once. */
  private keptOf(fn: string): { chunks: Chunk[]; total: number } {
    let kept = this.kept.get(fn);
    if (kept) return kept;
    const rows = stmt(this.db, 'SELECT id, count FROM log_chunks WHERE function_name = ? ORDER BY id').all(fn) as Chunk[];
    kept = { chunks: rows, total: rows.reduce((n, c) => n + c.count, 0) };
    this.kept.set(fn, kept);
    this.trim(fn, kept);
    const over = kept.total - this.maxLinesPerFunction;
    if (over > 0) {
      // The oldest chunk straddles the bound: rewritten with its newest lines only.
      const oldest = kept.chunks[0]!;
      const row = stmt(this.db, 'SELECT * FROM log_chunks WHERE id = ?').get(oldest.id) as ChunkRow;
      const lines = decode(fn, row).slice(over);
      const first = lines[0]!;
      let prev = first;
      let data = Buffer.allocUnsafe(lines.reduce((n, e) => n + lineBytes(e.requestId, e.version, e.stored), 0));
      let at = 0;
      for (const e of lines) {
        at = putLine(data, at, e.id - prev.id, e.ts - prev.ts, e.requestId, e.version, e.kind, e.stored);
        prev = e;
      }
      data = data.subarray(0, at);
      stmt(this.db, 'DELETE FROM log_chunks WHERE id = ?').run(oldest.id);
      stmt(this.db, INSERT_CHUNK).run(first.id, fn, first.ts, row.last_id, lines.length, row.max_ts, data);
      kept.chunks[0] = { id: first.id, count: lines.length };
      kept.total -= over;
    }
    return kept;
  }

  query(fn: string, q: LogQuery = {}): LogEvent[] {
    this.flush();
    const where = ['function_name = ?'];
    const args: unknown[] = [fn];
    if (q.after !== undefined) (where.push('last_id > ?'), args.push(q.after));
    if (q.since !== undefined) (where.push('max_ts >= ?'), args.push(q.since));
    const limit = Math.min(Math.max(q.limit ?? 1000, 1), 10_000);
    // With `after`: the oldest `limit` lines after it; else the newest `limit` lines. Oldest first.
    const ascending = q.after !== undefined;
    const rows = stmt(this.db, `SELECT * FROM log_chunks WHERE ${where.join(' AND ')} ORDER BY id ${ascending ? 'ASC' : 'DESC'}`).iterate(...args) as IterableIterator<ChunkRow>;
    const out: LogEvent[] = [];
    // for..of closes the statement's iterator on break and on throw (the connection stays usable).
    chunks: for (const row of rows) {
      const lines = decode(fn, row);
      if (!ascending) lines.reverse();
      for (const line of lines) {
        if (q.after !== undefined && line.id <= q.after) continue;
        if (q.since !== undefined && line.ts < q.since) continue;
        if (q.requestId && line.requestId !== q.requestId) continue;
        const e = eventOf(line);
        if (q.contains && !e.message.includes(q.contains)) continue;
        out.push(e);
        if (out.length === limit) break chunks;
      }
    }
    return ascending ? out : out.reverse();
  }

  /** The newest line id of a function (0 if none): where a new log subscription starts. */
  lastId(fn: string): number {
    this.flush();
    const r = stmt(this.db, 'SELECT MAX(last_id) id FROM log_chunks WHERE function_name = ?').get(fn) as { id: number | null };
    return r.id ?? 0;
  }
}

interface ChunkRow {
  id: number;
  first_ts: number;
  last_id: number;
  max_ts: number;
  data: Buffer;
}

/** A stored line: `stored` is its MESSAGE as in the chunk. */
interface Line {
  id: number;
  ts: number;
  functionName: string;
  requestId: string;
  version: string;
  kind: number;
  stored: string;
}

function decode(fn: string, row: ChunkRow): Line[] {
  const text = row.data.toString('utf8');
  const out: Line[] = [];
  let id = row.id;
  let ts = row.first_ts;
  let at = 0;
  while (at < text.length) {
    const end = text.indexOf('\n', at);
    const t1 = text.indexOf('\t', at);
    const t2 = text.indexOf('\t', t1 + 1);
    const t3 = text.indexOf('\t', t2 + 1);
    const t4 = text.indexOf('\t', t3 + 1);
    const t5 = text.indexOf('\t', t4 + 1);
    id += Number(text.slice(at, t1));
    ts += Number(text.slice(t1 + 1, t2));
    out.push({
      id,
      ts,
      functionName: fn,
      requestId: text.slice(t2 + 1, t3),
      version: text.slice(t3 + 1, t4),
      kind: Number(text.slice(t4 + 1, t5)),
      stored: text.slice(t5 + 1, end),
    });
    at = end + 1;
  }
  return out;
}

function eventOf(l: Line): LogEvent {
  const message = l.kind === REPORT ? renderReport(l.requestId, l.stored) : l.kind === JSON_LINE ? (JSON.parse(l.stored) as string) : l.stored;
  return { id: l.id, ts: l.ts, functionName: l.functionName, version: l.version, requestId: l.requestId, message };
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
