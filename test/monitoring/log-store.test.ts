// The log store on a real registry database: lines written in chunks (a row per function per
// flush) come back complete, in order, per function, filtered, and trimmed to the bound.
import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { reportLine, type InvocationRecord } from '../../runtime/http/log.js';
import { LogStore } from '../../runtime/monitoring/logs.js';
import { openDb } from '../../runtime/registry/db.js';
import { MIGRATIONS } from '../../runtime/registry/migrations.js';

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

  it('says when it has written lines (once per flush that wrote, never for an empty one)', () => {
    const store = new LogStore(openDb(join(mkdtempSync(join(tmpdir(), 'wisp-logs-')), 'registry.db'), { synchronous: 'NORMAL' }));
    let written = 0;
    store.onWritten = () => written++;
    store.flush();
    expect(written).toBe(0);
    store.record(rec('f', 1, ['a']));
    store.record(rec('g', 2, ['b']));
    store.flush();
    store.flush();
    expect(written).toBe(1);
  });

  it('trims every function in whole batches: never below the bound, never more than a batch over it', () => {
    const db = openDb(join(mkdtempSync(join(tmpdir(), 'wisp-logs-')), 'registry.db'), { synchronous: 'NORMAL' });
    const store = new LogStore(db, 50);
    const count = (fn: string) => (db.prepare('SELECT TOTAL(count) n FROM log_chunks WHERE function_name = ?').get(fn) as { n: number }).n;
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
    // The 300 old lines were one chunk: cut to the newest 50, then the new line's chunk.
    const f = store.query('f', { limit: 10_000 });
    expect(f).toHaveLength(51);
    expect(f.map((e) => e.requestId).at(-1)).toBe('req-f-300');
    expect(f[0]!.requestId).toBe('req-f-250');
    for (let i = 301; i < 400; i++) {
      store.record(rec('f', i, []));
      store.flush();
    }
    const after = store.query('f', { limit: 10_000 });
    // One-line flushes join the newest chunk up to bound / 4 lines (here 12): never more than that over.
    expect(after.length).toBeGreaterThanOrEqual(50);
    expect(after.length).toBeLessThanOrEqual(50 + 12);
    // ... and what the store keeps per function stays a handful of chunks, not a row each.
    expect((db.prepare('SELECT COUNT(*) n FROM log_chunks').get() as { n: number }).n).toBeLessThanOrEqual(Math.ceil(50 / 12) + 2);
    const kept = (store as unknown as { kept: Map<string, { chunks: unknown[] }> }).kept.get('f')!;
    expect(kept.chunks.length).toBeLessThanOrEqual(Math.ceil(50 / 12) + 2);
    expect(after.at(-1)!.requestId).toBe('req-f-399');
    // Ids strictly grow across the appended flushes, and the store's last id is the newest line's.
    expect(after.every((e, i) => i === 0 || e.id > after[i - 1]!.id)).toBe(true);
    expect(store.lastId('f')).toBe(after.at(-1)!.id);
  });

  it('keeps the newest lines of a function within its bound', () => {
    const store = new LogStore(openDb(join(mkdtempSync(join(tmpdir(), 'wisp-logs-')), 'registry.db'), { synchronous: 'NORMAL' }), 50);
    // 40 flushes of 10 lines each.
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
    // What is stored: the guest line as written, the REPORT as its fields (~30 bytes).
    const data = String((db.prepare('SELECT data FROM log_chunks').get() as { data: Buffer }).data).split('\n');
    expect(data[0]!.split('\t').slice(4)).toEqual(['0', 'hello']);
    const report = data[1]!.split('\t');
    expect(report[4]).toBe('1');
    expect(report.slice(5).join('\t').length).toBeLessThan(40);
    expect(data[1]).not.toContain('REPORT');
  });

  it('gives back lines holding newlines, tabs and any Unicode as written, and filters by request, time and id', () => {
    const db = openDb(join(mkdtempSync(join(tmpdir(), 'wisp-logs-')), 'registry.db'), { synchronous: 'NORMAL' });
    const store = new LogStore(db);
    const odd = ['a\tb\tc', 'two\nlines', '\\n not a newline', 'ünïcødé ✓ 𝄞', '', '"quoted"'];
    store.record(rec('f', 1, odd));
    store.flush();
    store.record(rec('f', 2, ['later']));
    const all = store.query('f');
    expect(all.map((e) => e.message).slice(0, odd.length)).toEqual(odd);
    expect(store.query('f', { requestId: 'req-f-2' }).map((e) => e.message)).toEqual(['later', expect.stringMatching(/^REPORT RequestId: req-f-2\t/)]);
    expect(store.query('f', { contains: 'two\nl' }).map((e) => e.message)).toEqual(['two\nlines']);
    // after: the oldest lines past a cursor, `limit` of them; without: the newest.
    const cursor = all[2]!.id;
    expect(store.query('f', { after: cursor, limit: 2 }).map((e) => e.id)).toEqual([all[3]!.id, all[4]!.id]);
    expect(store.query('f', { limit: 2 }).map((e) => e.id)).toEqual(all.slice(-2).map((e) => e.id));
    expect(store.query('f', { since: Date.now() + 60_000 })).toEqual([]);
    expect(store.query('f', { since: 0 })).toHaveLength(all.length);
    expect(store.lastId('f')).toBe(all.at(-1)!.id);
    expect(store.lastId('g')).toBe(0);
    // A new store on the same database goes on with larger ids.
    const again = new LogStore(db);
    again.record(rec('g', 1, []));
    expect(again.lastId('g')).toBeGreaterThan(all.at(-1)!.id);
  });

  it('keeps lines while the database refuses writes, and writes them all once it accepts again', async () => {
    const db = openDb(join(mkdtempSync(join(tmpdir(), 'wisp-logs-')), 'registry.db'), { synchronous: 'NORMAL' });
    const store = new LogStore(db, 50);
    store.record(rec('f', 0, ['before']));
    store.flush();
    db.exec("CREATE TRIGGER refuse BEFORE INSERT ON log_chunks BEGIN SELECT RAISE(ABORT, 'disk full'); END");
    db.exec("CREATE TRIGGER refuse_update BEFORE UPDATE ON log_chunks BEGIN SELECT RAISE(ABORT, 'disk full'); END");
    const errors: unknown[][] = [];
    const spy = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void errors.push(a));
    try {
      // Invocations go on: record() never throws, and the timer's write fails quietly.
      for (let i = 1; i <= 40; i++) store.record(rec('f', i, [`line ${i}`]));
      await new Promise((r) => setTimeout(r, 60));
      expect(errors.map((a) => String(a[0]))).toEqual(['wisp: writing logs failed (kept, retried every 1000 ms):']);
      expect(() => store.query('f')).toThrow(/disk full/);
      db.exec('DROP TRIGGER refuse; DROP TRIGGER refuse_update');
      const all = store.query('f', { limit: 10_000 });
      // 2 lines before, 80 while failing: the bound is 50, trimmed in whole chunks.
      expect(all.at(-1)!.requestId).toBe('req-f-40');
      expect(all.filter((e) => e.message.startsWith('line ')).map((e) => e.message)).toEqual(Array.from({ length: 40 }, (_, i) => `line ${i + 1}`));
      expect(all.every((e, i) => i === 0 || e.id > all[i - 1]!.id)).toBe(true);
      // ... and the trimming's memory of the function was read again: still bounded.
      for (let i = 41; i <= 140; i++) store.record(rec('f', i, []));
      store.flush();
      const after = store.query('f', { limit: 10_000 });
      expect(after.length).toBeGreaterThanOrEqual(50);
      expect(after.length).toBeLessThanOrEqual(50 + 100);
      expect(after.at(-1)!.requestId).toBe('req-f-140');
    } finally {
      spy.mockRestore();
    }
  });

  it('forgets what a rolled-back write had it remember: a failure on one function loses no lines of another', () => {
    const db = openDb(join(mkdtempSync(join(tmpdir(), 'wisp-logs-')), 'registry.db'), { synchronous: 'NORMAL' });
    const store = new LogStore(db, 50);
    store.record(rec('f', 0, []));
    store.flush();
    // f's chunk goes in (and its old one is trimmed), then g's insert fails: all rolled back.
    db.exec("CREATE TRIGGER refuse_g BEFORE INSERT ON log_chunks WHEN NEW.function_name = 'g' BEGIN SELECT RAISE(ABORT, 'disk full'); END");
    for (let i = 1; i <= 30; i++) store.record(rec('f', i, [`line ${i}`]));
    store.record(rec('g', 1, []));
    expect(() => store.flush()).toThrow(/disk full/);
    db.exec('DROP TRIGGER refuse_g');
    store.flush();
    const f = store.query('f', { limit: 10_000 });
    expect(f.filter((e) => e.message.startsWith('line ')).map((e) => e.message)).toEqual(Array.from({ length: 30 }, (_, i) => `line ${i + 1}`));
    expect(f.length).toBeGreaterThanOrEqual(50);
    expect(store.query('g').map((e) => e.requestId)).toEqual(['req-g-1']);
  });

  it('turns the rows of the older per-line table into chunks, ids and times kept', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'wisp-logs-')), 'registry.db');
    // A database as Wisp left it before chunks (schema 5), rows of two functions interleaved.
    const old = new Database(file);
    old.pragma('journal_mode = WAL');
    for (const m of MIGRATIONS.slice(0, 5)) old.exec(m);
    old.pragma('user_version = 5');
    const insert = old.prepare('INSERT INTO logs (id, function_name, version, request_id, ts, message, kind) VALUES (?, ?, ?, ?, ?, ?, ?)');
    const rows: [number, string, string, string, number, string, number][] = [];
    for (let i = 1; i <= 2100; i++) {
      const fn = i % 3 === 0 ? 'g' : 'f';
      const kind = i % 2;
      const message = kind === 1 ? `$LATEST\twarm\t200\t0.10\t\t\t` : i === 8 ? 'multi\nline' : `line ${i}`;
      rows.push([i * 2, fn, '$LATEST', `r${i}`, 1_700_000_000_000 + i * 3, message, kind]);
    }
    // ... and one from before REPORT rows were compact (kind 0, the line as written).
    rows.push([5000, 'f', '$LATEST', 'old-1', 1_700_000_100_000, 'REPORT RequestId: old-1\tTier: warm\tStatus: 200\tDuration: 0.10 ms', 0]);
    for (const r of rows) insert.run(...r);
    old.close();

    const db = openDb(file, { synchronous: 'NORMAL' });
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'logs'").get()).toBeUndefined();
    const store = new LogStore(db);
    for (const fn of ['f', 'g']) {
      const want = rows.filter((r) => r[1] === fn);
      const got = store.query(fn, { limit: 10_000 });
      expect(got.map((e) => [e.id, e.ts, e.requestId, e.version])).toEqual(want.map((r) => [r[0], r[4], r[3], r[2]]));
      expect(got.map((e) => e.message)).toEqual(
        want.map((r) => (r[6] === 1 ? `REPORT RequestId: ${r[3]}\tVersion: $LATEST\tTier: warm\tStatus: 200\tDuration: 0.10 ms` : r[5])),
      );
    }
    expect(store.query('f', { contains: 'old-1' })).toHaveLength(1);
    // New lines go after the old ones.
    store.record(rec('f', 9, []));
    expect(store.query('f', { limit: 1 })[0]!.id).toBeGreaterThan(5000);
  });
});
