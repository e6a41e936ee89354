// The log store on a real registry database: batched rows (multi-row INSERTs of 32 plus single
// rows for the rest) come back complete, in order, per function, and trimmed to the bound.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { InvocationRecord } from '../../runtime/http/log.js';
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
});
