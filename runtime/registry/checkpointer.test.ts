// WAL checkpoints on a thread of their own: the busy connection stops checkpointing inside its
// commits only while the thread works, the thread's checkpoints copy the log back into the
// database, and a thread that cannot work hands checkpoints back to the connection.
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startCheckpointer, type Checkpointer } from './checkpointer.js';
import { openDb, type DB } from './db.js';

const open: { db: DB; cp?: Checkpointer }[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) {
    await o.cp?.close();
    o.db.close();
  }
});

function fresh(): { db: DB; file: string } {
  const file = join(mkdtempSync(join(tmpdir(), 'wisp-ckpt-')), 'registry.db');
  const db = openDb(file, { synchronous: 'NORMAL' });
  db.exec('CREATE TABLE blobs (x BLOB)');
  open.push({ db });
  return { db, file };
}

const until = async (ok: () => boolean, ms = 10_000) => {
  const t0 = Date.now();
  while (!ok()) {
    if (Date.now() - t0 > ms) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
};

/** ~8 MB in 4 KiB rows, 64 per commit (the log store commits every 20 ms). */
function write(db: DB, rows = 2000): void {
  const ins = db.prepare('INSERT INTO blobs (x) VALUES (?)');
  const blob = Buffer.alloc(4096, 7);
  for (let i = 0; i < rows; i += 64) db.transaction(() => { for (let j = 0; j < 64; j++) ins.run(blob); })();
}

const wal = (file: string) => statSync(`${file}-wal`).size;
const autocheckpoint = (db: DB) => db.pragma('wal_autocheckpoint', { simple: true });

describe('startCheckpointer', () => {
  it('takes the checkpoints off the connection while its thread runs, and they copy the log back', async () => {
    const { db, file } = fresh();
    const cp = startCheckpointer(db, { intervalMs: 60_000 });
    open[0]!.cp = cp;
    expect(autocheckpoint(db)).toBe(1000);
    await new Promise((r) => setTimeout(r, 100));
    expect(cp.active).toBe(false); // no thread before the first commit
    cp.committed();
    await until(() => cp.active);
    expect(autocheckpoint(db)).toBe(0);
    const before = statSync(file).size;
    write(db);
    // No commit checkpointed: the whole ~8 MB is still in the log, not in the database file.
    expect(wal(file)).toBeGreaterThan(8_000_000);
    expect(statSync(file).size).toBe(before);
    const r = await cp.checkpoint();
    expect(r.log).toBeGreaterThan(1000);
    expect(r.checkpointed).toBe(r.log);
    expect(statSync(file).size).toBeGreaterThan(8_000_000);
    // The writer starts the log over: it does not grow past what one round wrote.
    const size = wal(file);
    write(db);
    expect(wal(file)).toBeLessThanOrEqual(size);
    expect((db.prepare('SELECT COUNT(*) n FROM blobs').get() as { n: number }).n).toBe(2 * 2048);
  });

  it('checkpoints on its own every interval', async () => {
    const { db, file } = fresh();
    const cp = startCheckpointer(db, { intervalMs: 50 });
    open[0]!.cp = cp;
    cp.committed();
    await until(() => cp.active);
    write(db);
    await until(() => statSync(file).size > 8_000_000);
  });

  it('checkpoints right after a commit when one is due, at most once an interval', async () => {
    const { db, file } = fresh();
    const cp = startCheckpointer(db, { intervalMs: 60_000 });
    open[0]!.cp = cp;
    cp.committed(); // starts the thread; not a checkpoint yet (it is not ready)
    await until(() => cp.active);
    write(db);
    cp.committed();
    await until(() => statSync(file).size > 8_000_000);
    // ... and done copying (the file grows while the thread copies).
    let last = -1;
    await until(() => {
      const now = statSync(file).size;
      const still = now === last;
      last = now;
      return still;
    });
    const size = statSync(file).size;
    write(db);
    cp.committed(); // not due yet
    await new Promise((r) => setTimeout(r, 300));
    expect(statSync(file).size).toBe(size);
    expect((await cp.checkpoint()).checkpointed).toBeGreaterThan(1000);
    expect(statSync(file).size).toBeGreaterThan(size);
  });

  it('gives the checkpoints back to the connection when its thread cannot work, or is closed', async () => {
    const { db } = fresh();
    const logged: string[] = [];
    const broken = startCheckpointer(db, { lib: '/nonexistent/better-sqlite3.js', onLog: (m) => logged.push(m) });
    broken.committed();
    await until(() => logged.length > 0);
    expect(logged[0]).toMatch(/WAL checkpoints back on the host's thread/);
    expect(broken.active).toBe(false);
    expect(autocheckpoint(db)).toBe(1000);
    await expect(broken.checkpoint()).rejects.toThrow(/no checkpoint thread/);
    await broken.close();

    const cp = startCheckpointer(db, { onLog: (m) => logged.push(m) });
    cp.committed();
    await until(() => cp.active);
    expect(autocheckpoint(db)).toBe(0);
    await cp.close();
    expect(autocheckpoint(db)).toBe(1000);
    expect(logged).toHaveLength(1);
  });
});
