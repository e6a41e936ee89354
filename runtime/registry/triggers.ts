// Triggers: schedules (rate/cron) and log subscriptions, each invoking a function through the
// Event queue. `cursor` is where a trigger has got to: the last tick time (ms) of a schedule,
// the last log line id of a log subscription. Advancing it and queueing the event happen in one
// transaction, so a tick or a batch is delivered once even across crashes.

import { randomUUID } from 'node:crypto';
import { ExpressionError, parseSchedule } from '../scheduler/expression.js';
import { stmt, type DB } from './db.js';
import { invalid, notFound } from './errors.js';

export interface Trigger {
  id: string;
  functionName: string;
  qualifier: string;
  kind: 'schedule' | 'logs';
  expression?: string;
  sourceFunction?: string;
  filter: string;
  failuresOnly: boolean;
  batchSize: number;
  enabled: boolean;
  cursor: number;
  createdAt: number;
}

type Row = Record<string, unknown>;

const triggerOf = (r: Row): Trigger => ({
  id: r.id as string,
  functionName: r.function_name as string,
  qualifier: r.qualifier as string,
  kind: r.kind as Trigger['kind'],
  expression: (r.expression as string | null) ?? undefined,
  sourceFunction: (r.source_function as string | null) ?? undefined,
  filter: r.filter as string,
  failuresOnly: r.failures_only === 1,
  batchSize: r.batch_size as number,
  enabled: r.enabled === 1,
  cursor: r.cursor as number,
  createdAt: r.created_at as number,
});

export interface TriggerInput {
  functionName: string;
  qualifier?: string;
  schedule?: string;
  sourceFunction?: string;
  filter?: string;
  failuresOnly?: boolean;
  batchSize?: number;
  enabled?: boolean;
}

export class Triggers {
  constructor(
    private readonly db: DB,
    private readonly functionExists: (name: string) => boolean,
  ) {}

  create(input: TriggerInput, now = Date.now(), startCursor = 0): Trigger {
    if (!this.functionExists(input.functionName)) throw notFound(`Function not found: ${input.functionName}`);
    const id = randomUUID();
    const batch = input.batchSize ?? 100;
    if (!Number.isInteger(batch) || batch < 1 || batch > 10_000) throw invalid('BatchSize must be between 1 and 10000');
    if (input.schedule !== undefined) {
      if (input.sourceFunction !== undefined) throw invalid('a trigger is either a schedule or a log subscription, not both');
      try {
        parseSchedule(input.schedule);
      } catch (e) {
        if (e instanceof ExpressionError) throw invalid(`ScheduleExpression: ${e.message}`);
        throw e;
      }
      this.db
        .prepare(
          `INSERT INTO triggers (id, function_name, qualifier, kind, expression, batch_size, enabled, cursor, created_at)
           VALUES (?, ?, ?, 'schedule', ?, ?, ?, ?, ?)`,
        )
        .run(id, input.functionName, input.qualifier ?? '$LATEST', input.schedule, batch, input.enabled === false ? 0 : 1, now, now);
    } else if (input.sourceFunction !== undefined) {
      if (!this.functionExists(input.sourceFunction)) throw notFound(`Function not found: ${input.sourceFunction}`);
      if (input.sourceFunction === input.functionName) throw invalid('a function cannot subscribe to its own logs (it would feed itself)');
      this.db
        .prepare(
          `INSERT INTO triggers (id, function_name, qualifier, kind, source_function, filter, failures_only, batch_size, enabled, cursor, created_at)
           VALUES (?, ?, ?, 'logs', ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(id, input.functionName, input.qualifier ?? '$LATEST', input.sourceFunction, input.filter ?? '', input.failuresOnly ? 1 : 0, batch,
          input.enabled === false ? 0 : 1, startCursor, now);
    } else {
      throw invalid('give ScheduleExpression (rate(...) or cron(...)) or Source.FunctionName');
    }
    return this.get(id);
  }

  get(id: string): Trigger {
    const r = stmt(this.db, 'SELECT * FROM triggers WHERE id = ?').get(id) as Row | undefined;
    if (!r) throw notFound(`Trigger not found: ${id}`);
    return triggerOf(r);
  }

  list(fn?: string): Trigger[] {
    const rows = fn
      ? stmt(this.db, 'SELECT * FROM triggers WHERE function_name = ? ORDER BY created_at').all(fn)
      : stmt(this.db, 'SELECT * FROM triggers ORDER BY created_at').all();
    return (rows as Row[]).map(triggerOf);
  }

  enabled(kind: Trigger['kind']): Trigger[] {
    return (stmt(this.db, 'SELECT * FROM triggers WHERE kind = ? AND enabled = 1').all(kind) as Row[]).map(triggerOf);
  }

  setEnabled(id: string, enabled: boolean): Trigger {
    this.get(id);
    stmt(this.db, 'UPDATE triggers SET enabled = ? WHERE id = ?').run(enabled ? 1 : 0, id);
    return this.get(id);
  }

  delete(id: string): void {
    if (stmt(this.db, 'DELETE FROM triggers WHERE id = ?').run(id).changes === 0) throw notFound(`Trigger not found: ${id}`);
  }

  /** Move the cursor from `from` to `to`; false if someone else moved it first. */
  advance(id: string, from: number, to: number): boolean {
    return stmt(this.db, 'UPDATE triggers SET cursor = ? WHERE id = ? AND cursor = ?').run(to, id, from).changes === 1;
  }
}
