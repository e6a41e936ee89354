// Per-function asynchronous invocation settings (Lambda's FunctionEventInvokeConfig) and the
// durable dead-letter list every exhausted or expired event ends in.

import { stmt, type DB } from './db.js';
import { invalid, notFound } from './errors.js';

export interface EventInvokeConfig {
  functionName: string;
  qualifier: string;
  maxRetries: number;
  maxAgeS: number;
  /** Destination function references (name or ARN) or undefined. */
  onSuccess?: string;
  onFailure?: string;
  updatedAt: number;
}

export interface DeadLetter {
  id: number;
  eventId: string;
  functionName: string;
  qualifier: string;
  condition: 'RetriesExhausted' | 'EventAgeExceeded';
  attempts: number;
  error: string;
  payload: Uint8Array;
  createdAt: number;
}

/** Lambda's defaults and bounds. */
export const ASYNC_DEFAULTS = { maxRetries: 2, maxAgeS: 21_600 };
const RETRY_RANGE = [0, 2] as const;
const AGE_RANGE = [60, 21_600] as const;

type Row = Record<string, unknown>;

const configOf = (r: Row): EventInvokeConfig => ({
  functionName: r.function_name as string,
  qualifier: r.qualifier as string,
  maxRetries: r.max_retries as number,
  maxAgeS: r.max_age_s as number,
  onSuccess: (r.on_success as string | null) ?? undefined,
  onFailure: (r.on_failure as string | null) ?? undefined,
  updatedAt: r.updated_at as number,
});

export class AsyncConfigs {
  constructor(private readonly db: DB) {}

  get(fn: string, qualifier = '$LATEST'): EventInvokeConfig | undefined {
    const r = stmt(this.db, 'SELECT * FROM event_invoke_configs WHERE function_name = ? AND qualifier = ?').get(fn, qualifier) as Row | undefined;
    return r ? configOf(r) : undefined;
  }

  /** The settings that apply to an event: its qualifier's, else the function's, else defaults. */
  effective(fn: string, qualifier: string): EventInvokeConfig {
    return (
      this.get(fn, qualifier) ??
      this.get(fn, '$LATEST') ?? { functionName: fn, qualifier, ...ASYNC_DEFAULTS, updatedAt: 0 }
    );
  }

  list(fn: string): EventInvokeConfig[] {
    return (stmt(this.db, 'SELECT * FROM event_invoke_configs WHERE function_name = ? ORDER BY qualifier').all(fn) as Row[]).map(configOf);
  }

  /** Put (replace) or update (merge into the existing) a config. */
  put(
    fn: string,
    qualifier: string,
    input: { maxRetries?: number; maxAgeS?: number; onSuccess?: string | null; onFailure?: string | null },
    merge: boolean,
  ): EventInvokeConfig {
    const base = merge ? this.get(fn, qualifier) : undefined;
    if (merge && !base) throw notFound(`The function ${fn} doesn't have an EventInvokeConfig`);
    const maxRetries = input.maxRetries ?? base?.maxRetries ?? ASYNC_DEFAULTS.maxRetries;
    const maxAgeS = input.maxAgeS ?? base?.maxAgeS ?? ASYNC_DEFAULTS.maxAgeS;
    if (!Number.isInteger(maxRetries) || maxRetries < RETRY_RANGE[0] || maxRetries > RETRY_RANGE[1]) {
      throw invalid(`MaximumRetryAttempts must be between ${RETRY_RANGE[0]} and ${RETRY_RANGE[1]}`);
    }
    if (!Number.isInteger(maxAgeS) || maxAgeS < AGE_RANGE[0] || maxAgeS > AGE_RANGE[1]) {
      throw invalid(`MaximumEventAgeInSeconds must be between ${AGE_RANGE[0]} and ${AGE_RANGE[1]}`);
    }
    const onSuccess = input.onSuccess === undefined ? base?.onSuccess : (input.onSuccess ?? undefined);
    const onFailure = input.onFailure === undefined ? base?.onFailure : (input.onFailure ?? undefined);
    this.db
      .prepare(
        `INSERT INTO event_invoke_configs (function_name, qualifier, max_retries, max_age_s, on_success, on_failure, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (function_name, qualifier) DO UPDATE SET max_retries = excluded.max_retries, max_age_s = excluded.max_age_s,
           on_success = excluded.on_success, on_failure = excluded.on_failure, updated_at = excluded.updated_at`,
      )
      .run(fn, qualifier, maxRetries, maxAgeS, onSuccess ?? null, onFailure ?? null, Date.now());
    return this.get(fn, qualifier)!;
  }

  delete(fn: string, qualifier: string): void {
    const r = stmt(this.db, 'DELETE FROM event_invoke_configs WHERE function_name = ? AND qualifier = ?').run(fn, qualifier);
    if (r.changes === 0) throw notFound(`The function ${fn} doesn't have an EventInvokeConfig`);
  }

  // ---- dead letters ----

  addDeadLetter(d: Omit<DeadLetter, 'id' | 'createdAt'>): void {
    this.db
      .prepare(
        `INSERT OR IGNORE INTO dead_letters (event_id, function_name, qualifier, condition, attempts, error, payload, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(d.eventId, d.functionName, d.qualifier, d.condition, d.attempts, d.error, Buffer.from(d.payload), Date.now());
  }

  deadLetters(fn: string, after = 0, limit = 100): DeadLetter[] {
    return (
      stmt(this.db, 'SELECT * FROM dead_letters WHERE function_name = ? AND id > ? ORDER BY id LIMIT ?').all(fn, after, Math.min(limit, 1000)) as Row[]
    ).map((r) => ({
      id: r.id as number,
      eventId: r.event_id as string,
      functionName: r.function_name as string,
      qualifier: r.qualifier as string,
      condition: r.condition as DeadLetter['condition'],
      attempts: r.attempts as number,
      error: r.error as string,
      payload: new Uint8Array(r.payload as Buffer),
      createdAt: r.created_at as number,
    }));
  }
}
