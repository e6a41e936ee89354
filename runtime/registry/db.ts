// The registry database: SQLite via better-sqlite3 (embedded default) with versioned
// migrations. WAL + synchronous=FULL: a committed deploy survives power loss and SIGKILL.

import Database from 'better-sqlite3';
import { createRequire } from 'node:module';
import { MIGRATIONS } from './migrations.js';

/** The addon by path: better-sqlite3's default lookup (the `bindings` package) probes a dozen
 *  paths and walks a stack trace, a few ms of every host start. Loaded here, on first open, and
 *  handed over as an object: a host started from a V8 startup snapshot has no module loader in
 *  the snapshot's own `require` (docs/bench.md, "startup snapshot"). */
let addon: object | undefined;
const nativeBinding = (): object =>
  (addon ??= createRequire(import.meta.url)('better-sqlite3/build/Release/better_sqlite3.node') as object);

export type DB = Database.Database;

const statements = new WeakMap<DB, Map<string, Database.Statement>>();

/** A prepared statement, compiled once per connection: preparing on every call cost more
 *  host CPU under load than running the queries. */
export function stmt(db: DB, sql: string): Database.Statement {
  let m = statements.get(db);
  if (!m) statements.set(db, (m = new Map()));
  let st = m.get(sql);
  if (!st) m.set(sql, (st = db.prepare(sql)));
  return st;
}

/**
 * `synchronous`: FULL for the registry (a committed deploy survives power loss); telemetry
 * (logs, metrics) opens a second connection with NORMAL — in WAL mode that skips the fsync per
 * commit, which cost a third of the host's CPU under load when every invocation wrote its log.
 */
export function openDb(file: string, opts: { synchronous?: 'FULL' | 'NORMAL' } = {}): DB {
  const db = new Database(file, { nativeBinding: nativeBinding() as never });
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${opts.synchronous ?? 'FULL'}`);
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db);
  return db;
}

/** Applies every migration newer than the database's user_version, each in one transaction. */
export function migrate(db: DB): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new Error(`registry schema version ${current} is newer than this Wisp (${MIGRATIONS.length}): upgrade Wisp`);
  }
  for (let v = current; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}
