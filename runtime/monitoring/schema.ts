// Monitoring's own tables in the registry database, with their own version counter
// (monitoring_schema), so they evolve apart from the registry's migrations (user_version).
// Append only: a shipped step is never edited, a change is a new step.

import type { DB } from '../registry/db.js';

const STEPS: string[] = [
  // 1: one-minute metric buckets, alarms and their history, the console's copy of sources.
  `
  CREATE TABLE IF NOT EXISTS metric_buckets (
    function_name  TEXT NOT NULL,
    version        TEXT NOT NULL,
    metric         TEXT NOT NULL,
    ts             INTEGER NOT NULL,          -- start of the minute (ms since the epoch)
    sum            REAL NOT NULL,
    count          INTEGER NOT NULL,
    min            REAL NOT NULL,
    max            REAL NOT NULL,
    hist           TEXT,                      -- JSON counts per DURATION_BOUNDS_MS bucket (Duration only)
    PRIMARY KEY (function_name, version, metric, ts)
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS metric_buckets_ts ON metric_buckets (metric, ts);
  CREATE TABLE IF NOT EXISTS alarms (
    name              TEXT PRIMARY KEY,
    config_json       TEXT NOT NULL,
    state             TEXT NOT NULL CHECK (state IN ('OK', 'ALARM', 'INSUFFICIENT_DATA')),
    state_reason      TEXT NOT NULL,
    state_updated_at  INTEGER NOT NULL,
    checked           INTEGER NOT NULL DEFAULT 0,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
  );
  CREATE TABLE IF NOT EXISTS alarm_history (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    alarm_name  TEXT NOT NULL,
    ts          INTEGER NOT NULL,
    type        TEXT NOT NULL,                -- ConfigurationUpdate | StateUpdate | Notification
    summary     TEXT NOT NULL,
    data_json   TEXT NOT NULL DEFAULT '{}'
  );
  CREATE INDEX IF NOT EXISTS alarm_history_name ON alarm_history (alarm_name, id);
  CREATE TABLE IF NOT EXISTS console_sources (
    function_name  TEXT PRIMARY KEY,
    filename       TEXT NOT NULL,
    source         TEXT NOT NULL,
    updated_at     INTEGER NOT NULL
  );
  `,
];

export const MONITORING_SCHEMA_VERSION = STEPS.length;

export function migrateMonitoring(db: DB): void {
  db.exec('CREATE TABLE IF NOT EXISTS monitoring_schema (version INTEGER NOT NULL)');
  db.transaction(() => {
    if (!db.prepare('SELECT version FROM monitoring_schema').get()) db.prepare('INSERT INTO monitoring_schema (version) VALUES (0)').run();
  })();
  const current = (db.prepare('SELECT version FROM monitoring_schema').get() as { version: number }).version;
  if (current > STEPS.length) throw new Error(`monitoring schema version ${current} is newer than this Wisp (${STEPS.length}): upgrade Wisp`);
  for (let v = current; v < STEPS.length; v++) {
    db.transaction(() => {
      db.exec(STEPS[v]!);
      db.prepare('UPDATE monitoring_schema SET version = ?').run(v + 1);
    })();
  }
}
