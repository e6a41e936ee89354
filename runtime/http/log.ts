// Invocation logs: the guest's lines tagged with the request id, then a REPORT line (Lambda's
// shape) with tier, status and duration.

import type { InvokeResult } from '../engine/types.js';

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
 * line's bytes: the row's size was most of its insert cost, docs/bench.md): tab-separated
 * version ('' when unknown), tier, status, duration, fuel, memory, error code ('' when absent).
 * renderReport() turns it back into the line through the same formatter as reportLine().
 */
export function reportFields(rec: InvocationRecord): string {
  return valuesOf(rec).join('\t');
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
    r.memoryBytes === undefined ? '' : (r.memoryBytes / 1048576).toFixed(1),
    r.error?.code ?? '',
  ]);
}

function formatReport(requestId: string, v: string[]): string {
  let line = `REPORT RequestId: ${requestId}`;
  if (v[0]) line += `\tVersion: ${v[0]}`;
  line += `\tTier: ${v[1]}\tStatus: ${v[2]}\tDuration: ${v[3]} ms`;
  if (v[4]) line += `\tFuel: ${v[4]}`;
  if (v[5]) line += `\tMemory: ${v[5]} MiB`;
  if (v[6]) line += `\tError: ${v[6]}`;
  return line;
}

/** How long console lines may wait to be written together. */
export const STREAM_FLUSH_MS = 10;

/** Writes to a stream (the host's stdout by default), one line per guest line. Lines go out
 *  together at most STREAM_FLUSH_MS after the first of them: a write per invocation cost ~30 µs
 *  under load, one per event-loop turn still ~5 µs per request at c=2 (docs/bench.md). The
 *  durable copy of every line is the log store's; this is the console's. */
export class StreamLog implements InvocationLog {
  private pending = '';
  private timer: NodeJS.Timeout | undefined;
  constructor(private readonly out: NodeJS.WritableStream = process.stdout) {}
  /** Write what is pending now (the host calls it when it closes). */
  flush = (): void => {
    clearTimeout(this.timer);
    this.timer = undefined;
    const text = this.pending;
    this.pending = '';
    if (text) this.out.write(text);
  };
  record(rec: InvocationRecord): void {
    const ts = isoNow();
    const { logs, logsTruncated } = rec.result;
    if (logs.length > 0 || logsTruncated) {
      const prefix = `${ts} ${rec.fn} ${rec.requestId} `;
      for (const line of logs) this.pending += prefix + line + '\n';
      if (logsTruncated) this.pending += `${prefix}${LOG_TRUNCATED}\n`;
    }
    this.pending += `${ts} ${rec.fn} ${reportLine(rec)}\n`;
    // Unref'd: pending console lines never keep the process alive (close() flushes them).
    this.timer ??= setTimeout(this.flush, STREAM_FLUSH_MS).unref();
  }
}

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
