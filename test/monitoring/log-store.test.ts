// The log store on a real registry database: batched rows (multi-row INSERTs of 32 plus single
// rows for the rest) come back complete, in order, per function, and trimmed to the bound.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { reportLine, type InvocationRecord } from '../../runtime/http/log.js';
import { LogStore } from '../../runtime/monitoring/logs.js';
import { openDb } from '../../runtime/registry/db.js';

const rec = (fn: string, i: number, lines: string[]): InvocationRecord => ({
  fn,
  version: '$LATEST',
  requestId: `req-${fn}-${i}`,
  status: 200,
  result: { tier: 'warm', shape: 'command', logs: lines, logsTruncated: false, durationMs: 0.1 },
});

describe('LogStore', () => {
  it('stores every line of a large batch in order, per function', () => {
    const store = new LogStore(openDb(join(mkdtempSync(join(tmpdir(), 'wisp-logs-')), 'registry.db'), { synchronous: 'NORMAL' }));
    // 70 invocations x (2 guest lines + REPORT) = 210 rows for f, interleaved with 5 for g: one flush.
    for (let i = 0; i < 70; i++) {
      store.record(rec('f', i, [`line ${i}.a`, `line ${i}.b`]));
      if (i % 14 === 0) store.record(rec('g', i, []));
    }
    const f = store.query('f', { limit: 10_000 });
    expect(f).toHaveLength(210);
    expect(f.map((e) => e.message.startsWith('REPORT') ? `R${e.requestId}` : e.message).slice(0, 6)).toEqual(['line 0.a', 'line 0.b', 'Rreq-f-0', 'line 1.a', 'line 1.b', 'Rreq-f-1']);
    expect(f.at(-1)!.message).toMatch(/^REPORT RequestId: req-f-69\t/);
    const ids = f.map((e) => e.id);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    expect(store.query('g').map((e) => e.requestId)).toEqual(['req-g-0', 'req-g-14', 'req-g-28', 'req-g-42', 'req-g-56']);
  });

  it('trims every function in whole batches: never below the bound, never more than a batch over it', () => {
    const db = openDb(join(mkdtempSync(join(tmpdir(), 'wisp-logs-')), 'registry.db'), { synchronous: 'NORMAL' });
    const store = new LogStore(db, 50);
    const count = (fn: string) => (db.prepare('SELECT COUNT(*) n FROM logs WHERE function_name = ?').get(fn) as { n: number }).n;
    let n = 0;
    for (let b = 0; b < 60; b++) {
      // f: 7 invocations x 2 rows per batch; g: 1 row every other batch.
      for (let i = 0; i < 7; i++) store.record(rec('f', n++, ['x']));
      if (b % 2 === 0) store.record(rec('g', b, []));
      store.flush();
      expect(count('f')).toBeGreaterThanOrEqual(Math.min(50, (b + 1) * 14));
      expect(count('f')).toBeLessThan(50 + 14);
      expect(count('g')).toBe(Math.floor(b / 2) + 1); // 30 rows at most: under its bound, never trimmed
    }
    // The newest lines are the ones kept, in order.
    const f = store.query('f', { limit: 10_000 });
    expect(f.at(-1)!.requestId).toBe(`req-f-${n - 1}`);
    const ids = f.map((e) => Number(e.requestId.split('-')[2]));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(f.length / 2);
  });

  it('trims what an earlier process left on its first write of a function', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'wisp-logs-')), 'registry.db');
    const before = new LogStore(openDb(file, { synchronous: 'NORMAL' }), 1_000_000);
    for (let i = 0; i < 300; i++) before.record(rec('f', i, []));
    before.flush();
    const db = openDb(file, { synchronous: 'NORMAL' });
    const store = new LogStore(db, 50);
    store.record(rec('f', 300, []));
    store.flush();
    const f = store.query('f', { limit: 10_000 });
    expect(f).toHaveLength(50);
    expect(f.map((e) => e.requestId).at(-1)).toBe('req-f-300');
    expect(f[0]!.requestId).toBe('req-f-251');
    for (let i = 301; i < 400; i++) {
      store.record(rec('f', i, []));
      store.flush();
    }
    const after = store.query('f', { limit: 10_000 });
    // One-row batches are trimmed in chunks of bound / 4 (here 12): never more than that over.
    expect(after.length).toBeGreaterThanOrEqual(50);
    expect(after.length).toBeLessThanOrEqual(50 + 12);
    // ... and what the store remembers per function stays a handful of chunks, not a row each.
    const kept = (store as unknown as { kept: Map<string, { batches: unknown[] }> }).kept.get('f')!;
    expect(kept.batches.length).toBeLessThanOrEqual(Math.ceil(50 / 12) + 2);
    expect(after.at(-1)!.requestId).toBe('req-f-399');
  });

  it('keeps the newest lines of a function within its bound', () => {
    const store = new LogStore(openDb(join(mkdtempSync(join(tmpdir(), 'wisp-logs-')), 'registry.db'), { synchronous: 'NORMAL' }), 50);
    // Trimming runs every 20th flush: 40 flushes of 10 rows each.
    for (let b = 0; b < 40; b++) {
      for (let i = 0; i < 5; i++) store.record(rec('f', b * 5 + i, ['x']));
      store.flush();
    }
    const f = store.query('f', { limit: 10_000 });
    expect(f.length).toBeLessThanOrEqual(50 + 10);
    expect(f.at(-1)!.requestId).toBe('req-f-199');
  });

  it('keeps REPORT lines as their fields and gives back exactly the line every other log writes', () => {
    const db = openDb(join(mkdtempSync(join(tmpdir(), 'wisp-logs-')), 'registry.db'), { synchronous: 'NORMAL' });
    const store = new LogStore(db);
    const recs: InvocationRecord[] = [
      { ...rec('f', 1, ['hello']), result: { ...rec('f', 1, []).result, logs: ['hello'], fuelUsed: 8723, memoryBytes: 131072 } },
      { ...rec('f', 2, []), version: undefined, status: 502, result: { ...rec('f', 2, []).result, tier: 'cold', durationMs: 12.345, error: { status: 502, code: 'FuelExhausted', message: 'm' } } },
      { ...rec('f', 3, []), version: '7', result: { ...rec('f', 3, []).result, tier: 'prewarmed', memoryBytes: 3 * 1048576 } },
    ];
    for (const r of recs) store.record({ ...r });
    const reports = store.query('f').filter((e) => e.message.startsWith('REPORT'));
    expect(reports.map((e) => e.message)).toEqual(recs.map((r) => reportLine({ ...r })));
    expect(reports[1]!.message).toBe('REPORT RequestId: req-f-2\tTier: cold\tStatus: 502\tDuration: 12.35 ms\tError: FuelExhausted');
    // Filters match the rendered line, not the stored fields.
    expect(store.query('f', { contains: 'Error: FuelExhausted' }).map((e) => e.requestId)).toEqual(['req-f-2']);
    expect(store.query('f', { contains: 'Memory: 3.0 MiB' }).map((e) => e.requestId)).toEqual(['req-f-3']);
    expect(store.query('f', { contains: 'hello' }).map((e) => e.message)).toEqual(['hello']);
    // What is stored: the guest line as written, the REPORT as ~40 bytes of fields.
    const rows = db.prepare('SELECT message, kind FROM logs ORDER BY id').all() as { message: string; kind: number }[];
    expect(rows[0]).toEqual({ message: 'hello', kind: 0 });
    expect(rows[1]!.kind).toBe(1);
    expect(rows[1]!.message.length).toBeLessThan(40);
    expect(rows[1]!.message).not.toContain('REPORT');
  });

  it('reads rows written before REPORT rows were compact as they were written', () => {
    const db = openDb(join(mkdtempSync(join(tmpdir(), 'wisp-logs-')), 'registry.db'), { synchronous: 'NORMAL' });
    db.prepare('INSERT INTO logs (function_name, version, request_id, ts, message) VALUES (?, ?, ?, ?, ?)').run(
      'f', '$LATEST', 'old-1', 1, 'REPORT RequestId: old-1\tTier: warm\tStatus: 200\tDuration: 0.10 ms',
    );
    const store = new LogStore(db);
    store.record(rec('f', 4, []));
    expect(store.query('f').map((e) => e.message)).toEqual([
      'REPORT RequestId: old-1\tTier: warm\tStatus: 200\tDuration: 0.10 ms',
      'REPORT RequestId: req-f-4\tVersion: $LATEST\tTier: warm\tStatus: 200\tDuration: 0.10 ms',
    ]);
    expect(store.query('f', { contains: 'old-1' })).toHaveLength(1);
  });
});
