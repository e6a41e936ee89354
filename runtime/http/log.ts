// Invocation logs: the guest's lines tagged with the request id, then a REPORT line (Lambda's
// shape) with tier, status and duration.

import type { InvokeResult } from '../engine/types.js';
import { maxBytes, putText } from './text-bytes.js';

export interface InvocationRecord {
  fn: string;
  /** The version that ran, where known. */
  version?: string;
  requestId: string;
  status: number;
  result: InvokeResult;
  /** The REPORT line, once formatted (reportLine()), and the values it shows (valuesOf()):
   *  the store and the console both need them, computed once. */
  report?: string;
  values?: string[];
}

/** The line every log shows after a guest's lines when they hit the per-invocation cap. */
export const LOG_TRUNCATED = '[log truncated: per-invocation limit reached]';

export interface InvocationLog {
  record(rec: InvocationRecord): void;
}

/** Every log (store, stdout, the Tail answer) writes the same line: formatted once, kept on the
 *  record (a WeakMap keyed by a new record per invocation cost the scavenger an ephemeron each). */
export function reportLine(rec: InvocationRecord): string {
  return (rec.report ??= formatReport(rec.requestId, valuesOf(rec)));
}

/**
 * What a REPORT line says beyond its request id, as the log store keeps it (a quarter of the
 * line's bytes: the row's size was most of its insert cost, docs/bench.md): version ('' when
 * unknown), tier, status, duration, fuel, memory, error code ('' when absent). The store writes
 * them tab-separated; renderReport() turns that back into the line through the same formatter
 * as reportLine().
 */
export function reportValues(rec: InvocationRecord): readonly string[] {
  return valuesOf(rec);
}

export function renderReport(requestId: string, fields: string): string {
  return formatReport(requestId, fields.split('\t'));
}

/** [version, tier, status, duration, fuel, memory, error], '' for what is absent. */
function valuesOf(rec: InvocationRecord): string[] {
  const r = rec.result;
  return (rec.values ??= [
    rec.version ?? '',
    r.tier,
    String(rec.status),
    r.durationMs.toFixed(2),
    r.fuelUsed === undefined ? '' : String(r.fuelUsed),
    r.memoryBytes === undefined ? '' : mebibytes(r.memoryBytes),
    r.error?.code ?? '',
  ]);
}

/** A function's memory is the same on nearly every invocation: its text is kept. */
const mibText = new Map<number, string>();
function mebibytes(bytes: number): string {
  let t = mibText.get(bytes);
  if (t === undefined) {
    t = (bytes / 1048576).toFixed(1);
    if (mibText.size >= 256) mibText.clear();
    mibText.set(bytes, t);
  }
  return t;
}

function formatReport(requestId: string, v: readonly string[]): string {
  const n = reportBytes(requestId, v);
  if (scratch.length < n) scratch = Buffer.allocUnsafe(2 * n);
  return scratch.toString('utf8', 0, writeReport(scratch, 0, requestId, v));
}
let scratch = Buffer.allocUnsafe(0);

/** The most bytes writeReport() may write. */
const reportBytes = (requestId: string, v: readonly string[]): number => {
  let n = 96 + maxBytes(requestId);
  for (const x of v) n += maxBytes(x);
  return n;
};

/** The REPORT line (without a newline) at `at`, from reportValues(); the offset after it. The
 *  one place its format is written: the console writes it into its buffer, reportLine() and the
 *  log store's reads decode it. */
function writeReport(b: Buffer, at: number, requestId: string, v: readonly string[]): number {
  at = putText(b, putText(b, at, 'REPORT RequestId: '), requestId);
  if (v[0]) at = putText(b, putText(b, at, '\tVersion: '), v[0]);
  at = putText(b, putText(b, at, '\tTier: '), v[1]!);
  at = putText(b, putText(b, at, '\tStatus: '), v[2]!);
  at = putText(b, putText(b, putText(b, at, '\tDuration: '), v[3]!), ' ms');
  if (v[4]) at = putText(b, putText(b, at, '\tFuel: '), v[4]);
  if (v[5]) at = putText(b, putText(b, putText(b, at, '\tMemory: '), v[5]), ' MiB');
  if (v[6]) at = putText(b, putText(b, at, '\tError: '), v[6]);
  return at;
}

/** How long console lines may wait to be written together. */
export const STREAM_FLUSH_MS = 10;

/** Writes to a stream (the host's stdout by default), one line per guest line. Lines go out
 *  together at most STREAM_FLUSH_MS after the first of them: a write per invocation cost ~30 µs
 *  under load, one per event-loop turn still ~5 µs per request at c=2 (docs/bench.md). They are
 *  encoded as they come into a byte buffer (a string per line, joined, then encoded at the
 *  flush, cost twice as much: docs/bench.md, 5e). The durable copy of every line is the log
 *  store's; this is the console's. */
export class StreamLog implements InvocationLog {
  private buf = Buffer.allocUnsafe(STREAM_BUFFER_BYTES);
  private bytes = 0;
  private timer: NodeJS.Timeout | undefined;
  constructor(private readonly out: NodeJS.WritableStream = process.stdout) {}
  /** Write what is pending now (the host calls it when it closes). */
  flush = (): void => {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.bytes === 0) return;
    // The stream may hold the chunk until it is written (a pipe): it gets a buffer of its own.
    const chunk = this.buf.subarray(0, this.bytes);
    this.buf = Buffer.allocUnsafe(Math.max(STREAM_BUFFER_BYTES, this.bytes < this.buf.length >> 2 ? this.bytes : this.buf.length));
    this.bytes = 0;
    this.out.write(chunk);
  };
  /** Room for `n` more bytes. */
  private room(n: number): void {
    if (this.buf.length - this.bytes >= n) return;
    const bigger = Buffer.allocUnsafe(Math.max(2 * this.buf.length, this.bytes + n));
    this.buf.copy(bigger, 0, 0, this.bytes);
    this.buf = bigger;
  }
  /** `TIME FN ` */
  private prefix(ts: string, fn: string): void {
    let at = putText(this.buf, this.bytes, ts);
    this.buf[at++] = 0x20;
    at = putText(this.buf, at, fn);
    this.buf[at++] = 0x20;
    this.bytes = at;
  }
  record(rec: InvocationRecord): void {
    const ts = isoNow();
    const { logs, logsTruncated } = rec.result;
    const head = maxBytes(ts) + maxBytes(rec.fn) + maxBytes(rec.requestId) + 3;
    for (const line of logs) this.guestLine(ts, rec, head, line);
    if (logsTruncated) this.guestLine(ts, rec, head, LOG_TRUNCATED);
    const v = valuesOf(rec);
    this.room(head + reportBytes(rec.requestId, v));
    this.prefix(ts, rec.fn);
    const b = this.buf;
    let at = writeReport(b, this.bytes, rec.requestId, v);
    b[at++] = 0x0a;
    this.bytes = at;
    // Unref'd: pending console lines never keep the process alive (close() flushes them).
    this.timer ??= setTimeout(this.flush, STREAM_FLUSH_MS).unref();
  }
  /** `TIME FN REQUEST_ID LINE` */
  private guestLine(ts: string, rec: InvocationRecord, head: number, line: string): void {
    this.room(head + maxBytes(line) + 1);
    this.prefix(ts, rec.fn);
    let at = putText(this.buf, this.bytes, rec.requestId);
    this.buf[at++] = 0x20;
    at = putText(this.buf, at, line);
    this.buf[at++] = 0x0a;
    this.bytes = at;
  }
}

/** The console's buffer between flushes (it grows for bursts). */
const STREAM_BUFFER_BYTES = 64 << 10;

/** The current time as ISO 8601, formatted once per millisecond (thousands of lines a second
 *  share one). */
let lastMs = 0;
let lastIso = '';
function isoNow(): string {
  const ms = Date.now();
  if (ms !== lastMs) [lastMs, lastIso] = [ms, new Date(ms).toISOString()];
  return lastIso;
}

/** Keeps records in memory (tests, and the basis of log queries). */
export class MemoryLog implements InvocationLog {
  readonly records: InvocationRecord[] = [];
  constructor(private readonly max = 10_000) {}
  record(rec: InvocationRecord): void {
    this.records.push(rec);
    if (this.records.length > this.max) this.records.shift();
  }
}
