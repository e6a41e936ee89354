// MetricsStore's own bookkeeping on a real registry database: every value added lands in its
// second, its minute and the totals, also when the minute is flushed to the database in between
// (adds keep per-second slots that a flush must not leave pointing at written-out buckets).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MetricsStore } from '../../runtime/monitoring/metrics.js';
import { migrateMonitoring } from '../../runtime/monitoring/schema.js';
import { openDb } from '../../runtime/registry/db.js';

const concurrency = { current: () => 0, total: () => 0 };
function store(): MetricsStore {
  const db = openDb(join(mkdtempSync(join(tmpdir(), 'wisp-metrics-')), 'registry.db'), { synchronous: 'NORMAL' });
  migrateMonitoring(db);
  return new MetricsStore(db, concurrency, { flushMs: 3_600_000 });
}

describe('MetricsStore', () => {
  it('counts every value across flushes, in seconds, minutes and totals', () => {
    const m = store();
    const t = Math.floor(Date.now() / 60_000) * 60_000 + 5_000;
    const q = { metric: 'Duration' as const, fn: 'f', version: '1', start: t - 60_000, end: t + 60_000 };
    for (let i = 0; i < 10; i++) m.add('f', '1', 'Duration', i, t);
    m.flush(t);
    for (let i = 0; i < 5; i++) m.add('f', '1', 'Duration', 100, t); // same second, after the flush
    m.add('f', '1', 'Duration', 7, t + 1_000); // the next second
    m.flush(t + 1_000);
    const minute = m.query({ ...q, statistic: 'SampleCount', period: 60 });
    expect(minute.map((d) => [d.sampleCount, d.sum, d.minimum, d.maximum])).toEqual([[16, 45 + 500 + 7, 0, 100]]);
    const seconds = m.query({ ...q, statistic: 'Sum', period: 1 });
    expect(seconds.map((d) => [d.ts - t, d.sampleCount, d.sum])).toEqual([
      [0, 15, 545],
      [1_000, 1, 7],
    ]);
    expect(m.prometheus()).toContain('wisp_duration_seconds_count{function="f",version="1"} 16');
    // Per-function metrics keep no version; other functions and versions keep their own series.
    m.add('f', '1', 'ConcurrentExecutions', 3, t);
    m.add('f', '2', 'Invocations', 1, t);
    m.add('g', '1', 'Invocations', 1, t);
    expect(m.query({ ...q, metric: 'ConcurrentExecutions', version: undefined, statistic: 'Maximum', period: 1 })[0]!.value).toBe(3);
    expect(m.query({ ...q, metric: 'Invocations', version: undefined, statistic: 'Sum', period: 60 })[0]!.value).toBe(1);
    m.close();
  });
});
