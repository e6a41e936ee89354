// Schema history. Append only: a shipped migration is never edited, a change is a new entry.

export const MIGRATIONS: string[] = [
  // 1: functions, published versions, aliases, the persistent async invocation queue.
  `
  CREATE TABLE functions (
    name              TEXT PRIMARY KEY,
    runtime           TEXT NOT NULL,
    handler           TEXT NOT NULL DEFAULT '',
    role              TEXT NOT NULL DEFAULT '',
    description       TEXT NOT NULL DEFAULT '',
    memory_mb         INTEGER NOT NULL,
    timeout_ms        INTEGER NOT NULL,
    env_json          TEXT NOT NULL DEFAULT '{}',
    fuel              INTEGER NOT NULL,
    reuse             INTEGER NOT NULL DEFAULT 0,
    prewarm           INTEGER NOT NULL DEFAULT 0,
    reserved_concurrency INTEGER,
    artifact_dir      TEXT NOT NULL,
    code_sha256       TEXT NOT NULL,
    code_size         INTEGER NOT NULL,
    shape             TEXT NOT NULL,
    revision_id       TEXT NOT NULL,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
  );
  CREATE TABLE versions (
    function_name     TEXT NOT NULL REFERENCES functions(name) ON DELETE CASCADE,
    version           INTEGER NOT NULL,
    description       TEXT NOT NULL DEFAULT '',
    config_json       TEXT NOT NULL,
    code_sha256       TEXT NOT NULL,
    revision_id       TEXT NOT NULL,
    created_at        TEXT NOT NULL,
    PRIMARY KEY (function_name, version)
  );
  CREATE TABLE aliases (
    function_name     TEXT NOT NULL REFERENCES functions(name) ON DELETE CASCADE,
    name              TEXT NOT NULL,
    function_version  TEXT NOT NULL,
    description       TEXT NOT NULL DEFAULT '',
    routing_json      TEXT NOT NULL DEFAULT '{}',
    revision_id       TEXT NOT NULL,
    PRIMARY KEY (function_name, name)
  );
  CREATE TABLE events (
    id                TEXT PRIMARY KEY,
    function_name     TEXT NOT NULL,
    qualifier         TEXT NOT NULL,
    payload           BLOB NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
    attempts          INTEGER NOT NULL DEFAULT 0,
    next_attempt_at   INTEGER NOT NULL,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    last_error        TEXT,
    result            BLOB
  );
  CREATE INDEX events_due ON events (status, next_attempt_at);
  `,
  // 2: invocation logs (guest lines + REPORT), capped per function by the log store.
  `
  CREATE TABLE logs (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    function_name  TEXT NOT NULL,
    version        TEXT NOT NULL,
    request_id     TEXT NOT NULL,
    ts             INTEGER NOT NULL,
    message        TEXT NOT NULL
  );
  CREATE INDEX logs_fn ON logs (function_name, id);
  CREATE INDEX logs_request ON logs (request_id);
  `,
  // 3: async delivery (event-invoke-config, dead letters) and triggers (schedules, log subscriptions).
  `
  CREATE TABLE event_invoke_configs (
    function_name     TEXT NOT NULL REFERENCES functions(name) ON DELETE CASCADE,
    qualifier         TEXT NOT NULL,
    max_retries       INTEGER NOT NULL,
    max_age_s         INTEGER NOT NULL,
    on_success        TEXT,
    on_failure        TEXT,
    updated_at        INTEGER NOT NULL,
    PRIMARY KEY (function_name, qualifier)
  );
  CREATE TABLE dead_letters (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id          TEXT NOT NULL UNIQUE,
    function_name     TEXT NOT NULL,
    qualifier         TEXT NOT NULL,
    condition         TEXT NOT NULL,
    attempts          INTEGER NOT NULL,
    error             TEXT NOT NULL,
    payload           BLOB NOT NULL,
    created_at        INTEGER NOT NULL
  );
  CREATE INDEX dead_letters_fn ON dead_letters (function_name, id);
  CREATE TABLE triggers (
    id                TEXT PRIMARY KEY,
    function_name     TEXT NOT NULL REFERENCES functions(name) ON DELETE CASCADE,
    qualifier         TEXT NOT NULL,
    kind              TEXT NOT NULL CHECK (kind IN ('schedule', 'logs')),
    expression        TEXT,
    source_function   TEXT,
    filter            TEXT NOT NULL DEFAULT '',
    failures_only     INTEGER NOT NULL DEFAULT 0,
    batch_size        INTEGER NOT NULL DEFAULT 100,
    enabled           INTEGER NOT NULL DEFAULT 1,
    cursor            INTEGER NOT NULL,
    created_at        INTEGER NOT NULL
  );
  ALTER TABLE events ADD COLUMN source TEXT;
  `,
  // 4: no index on request_id: random UUIDs made every log row's insert ~8x dearer at a few
  // hundred thousand rows (3 -> 24 µs), the biggest single cost of an invocation under load.
  // Lookups by request id always name the function, so logs_fn bounds them to its rows.
  `
  DROP INDEX IF EXISTS logs_request;
  `,
  // 5: a REPORT row keeps only its fields (kind 1), rendered into the line when read: the row's
  // size was most of its insert cost (~150 -> ~40 bytes: 3.2 -> 1.9 µs per row). Older rows
  // (kind 0) keep their lines as written.
  `
  ALTER TABLE logs ADD COLUMN kind INTEGER NOT NULL DEFAULT 0;
  `,
  // 6: logs in chunks, one row per function per flush (monitoring/logs.ts has the line format):
  // a row per line cost ~2–3 µs of host CPU per invocation under load, a chunk ~0.3 µs a line.
  // Rows of the old table become chunks of up to 1024 lines with their ids and times kept; a
  // line holding a newline is kept as JSON (kind 2).
  `
  CREATE TABLE log_chunks (
    id             INTEGER PRIMARY KEY,   -- the id of the chunk's first line
    function_name  TEXT NOT NULL,
    first_ts       INTEGER NOT NULL,      -- the first line's time (ms): the base of the time deltas
    last_id        INTEGER NOT NULL,
    count          INTEGER NOT NULL,
    max_ts         INTEGER NOT NULL,
    data           BLOB NOT NULL
  );
  CREATE INDEX log_chunks_fn ON log_chunks (function_name, id);
  INSERT INTO log_chunks (id, function_name, first_ts, last_id, count, max_ts, data)
  SELECT MIN(id), function_name, MIN(ts) FILTER (WHERE first), MAX(id), COUNT(*), MAX(ts), CAST(group_concat(line, '' ORDER BY id) AS BLOB)
  FROM (
    SELECT id, function_name, ts, id >> 10 AS grp, LAG(id) OVER w IS NULL AS first,
      (id - LAG(id, 1, id) OVER w) || char(9) || (ts - LAG(ts, 1, ts) OVER w) || char(9) || request_id || char(9) || version || char(9) ||
      (CASE WHEN instr(message, char(10)) > 0 THEN '2' || char(9) || json_quote(message) ELSE kind || char(9) || message END) || char(10) AS line
    FROM logs
    WINDOW w AS (PARTITION BY function_name, id >> 10 ORDER BY id)
  )
  GROUP BY function_name, grp;
  DROP TABLE logs;
  `,
];
