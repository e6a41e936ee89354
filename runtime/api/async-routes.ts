// Async invocation settings (Lambda's event-invoke-config, 2019-09-25), the dead-letter list,
// and triggers (/wisp/v1/triggers: schedules and log subscriptions).

import type { Context, Hono } from 'hono';
import type { Env } from '../http/app.js';
import type { LogStore } from '../monitoring/logs.js';
import type { AsyncConfigs, EventInvokeConfig } from '../registry/async-config.js';
import { invalid, notFound } from '../registry/errors.js';
import type { Registry } from '../registry/registry.js';
import type { Trigger, Triggers } from '../registry/triggers.js';
import { awsError, toApiError } from './errors.js';
import { functionArn, parseFunctionRef } from './shapes.js';

export interface AsyncApi {
  registry: Registry;
  configs: AsyncConfigs;
  triggers: Triggers;
  logs: LogStore;
}

function eventInvokeConfig(c: EventInvokeConfig): Record<string, unknown> {
  const dest: Record<string, unknown> = {};
  if (c.onSuccess) dest.OnSuccess = { Destination: c.onSuccess };
  if (c.onFailure) dest.OnFailure = { Destination: c.onFailure };
  return {
    FunctionArn: functionArn(c.functionName, c.qualifier === '$LATEST' ? undefined : c.qualifier),
    MaximumRetryAttempts: c.maxRetries,
    MaximumEventAgeInSeconds: c.maxAgeS,
    LastModified: c.updatedAt / 1000,
    DestinationConfig: dest,
  };
}

/** The documented shape of a trigger resource. */
export function triggerShape(t: Trigger): Record<string, unknown> {
  return {
    TriggerId: t.id,
    FunctionName: t.functionName,
    Qualifier: t.qualifier,
    Type: t.kind,
    ...(t.kind === 'schedule'
      ? { ScheduleExpression: t.expression, LastTickAt: t.cursor > t.createdAt ? new Date(t.cursor).toISOString() : null }
      : { Source: { FunctionName: t.sourceFunction, FilterPattern: t.filter, FailuresOnly: t.failuresOnly }, LastLogId: t.cursor }),
    BatchSize: t.batchSize,
    Enabled: t.enabled,
    CreatedAt: new Date(t.createdAt).toISOString(),
  };
}

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

export function mountAsyncApi(app: Hono<Env>, a: AsyncApi): void {
  const wrap = (h: (c: Context<Env>) => Promise<Response>) => async (c: Context<Env>) => {
    try {
      return await h(c);
    } catch (e) {
      return awsError(c, toApiError(e));
    }
  };
  const body = async (c: Context<Env>): Promise<Record<string, unknown>> => {
    const text = await c.req.text();
    if (!text) return {};
    try {
      const v = JSON.parse(text) as unknown;
      if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
    } catch {
      /* fall through */
    }
    throw invalid('request body is not a JSON object');
  };
  const fnRef = (c: Context<Env>) => {
    const r = parseFunctionRef(decodeURIComponent(c.req.param('name') ?? ''));
    a.registry.config(r.name); // 404 for unknown functions
    return { name: r.name, qualifier: c.req.query('Qualifier') ?? r.qualifier ?? '$LATEST' };
  };
  const destination = (v: unknown, what: string): string | null | undefined => {
    if (v === undefined) return undefined;
    const d = (v as { Destination?: unknown } | null)?.Destination;
    if (d === undefined || d === null || d === '') return null;
    if (typeof d !== 'string') throw invalid(`${what}.Destination must be a string`);
    const { name } = parseFunctionRef(d);
    if (d.startsWith('arn:') && !d.includes(':function:')) {
      throw invalid(`${what}.Destination: only function destinations are supported (failures always also go to the function's dead-letter list)`);
    }
    a.registry.config(name); // the destination function must exist
    return d;
  };

  const put = (merge: boolean) =>
    wrap(async (c) => {
      const { name, qualifier } = fnRef(c);
      const b = await body(c);
      const dc = (b.DestinationConfig ?? {}) as Record<string, unknown>;
      const cfg = a.configs.put(
        name,
        qualifier,
        {
          maxRetries: b.MaximumRetryAttempts as number | undefined,
          maxAgeS: b.MaximumEventAgeInSeconds as number | undefined,
          onSuccess: destination(dc.OnSuccess, 'OnSuccess'),
          onFailure: destination(dc.OnFailure, 'OnFailure'),
        },
        merge,
      );
      return c.json(eventInvokeConfig(cfg));
    });
  app.put('/2019-09-25/functions/:name/event-invoke-config', put(false));
  app.post('/2019-09-25/functions/:name/event-invoke-config', put(true));
  app.get(
    '/2019-09-25/functions/:name/event-invoke-config',
    wrap(async (c) => {
      const { name, qualifier } = fnRef(c);
      const cfg = a.configs.get(name, qualifier);
      if (!cfg) throw notFound(`The function ${name} doesn't have an EventInvokeConfig`);
      return c.json(eventInvokeConfig(cfg));
    }),
  );
  app.get(
    '/2019-09-25/functions/:name/event-invoke-config/list',
    wrap(async (c) => c.json({ FunctionEventInvokeConfigs: a.configs.list(fnRef(c).name).map(eventInvokeConfig) })),
  );
  app.delete(
    '/2019-09-25/functions/:name/event-invoke-config',
    wrap(async (c) => {
      const { name, qualifier } = fnRef(c);
      a.configs.delete(name, qualifier);
      return c.body(null, 204);
    }),
  );

  // ---- dead letters ----
  app.get(
    '/wisp/v1/functions/:name/dead-letters',
    wrap(async (c) => {
      const { name } = fnRef(c);
      const items = a.configs.deadLetters(name, Number(c.req.query('after') ?? 0), Number(c.req.query('limit') ?? 100));
      return c.json({
        DeadLetters: items.map((d) => ({
          Id: d.id,
          EventId: d.eventId,
          FunctionName: d.functionName,
          Qualifier: d.qualifier,
          Condition: d.condition,
          Attempts: d.attempts,
          Error: d.error,
          Payload: new TextDecoder().decode(d.payload),
          CreatedAt: new Date(d.createdAt).toISOString(),
        })),
      });
    }),
  );

  // ---- triggers ----
  app.post(
    '/wisp/v1/triggers',
    wrap(async (c) => {
      const b = await body(c);
      const fn = str(b.FunctionName);
      if (!fn) throw invalid('FunctionName is required');
      const ref = parseFunctionRef(fn);
      const src = b.Source as { FunctionName?: unknown; FilterPattern?: unknown; FailuresOnly?: unknown } | undefined;
      const source = src ? str(src.FunctionName) : undefined;
      const t = a.triggers.create(
        {
          functionName: ref.name,
          qualifier: str(b.Qualifier) ?? ref.qualifier,
          schedule: str(b.ScheduleExpression),
          sourceFunction: source,
          filter: src ? (str(src.FilterPattern) ?? '') : undefined,
          failuresOnly: src ? src.FailuresOnly === true : undefined,
          batchSize: b.BatchSize as number | undefined,
          enabled: b.Enabled as boolean | undefined,
        },
        Date.now(),
        source ? a.logs.lastId(source) : 0,
      );
      return c.json(triggerShape(t), 201);
    }),
  );
  app.get(
    '/wisp/v1/triggers',
    wrap(async (c) => c.json({ Triggers: a.triggers.list(c.req.query('FunctionName')).map(triggerShape) })),
  );
  app.get(
    '/wisp/v1/triggers/:id',
    wrap(async (c) => c.json(triggerShape(a.triggers.get(c.req.param('id')!)))),
  );
  app.patch(
    '/wisp/v1/triggers/:id',
    wrap(async (c) => {
      const b = await body(c);
      if (typeof b.Enabled !== 'boolean') throw invalid('Enabled (boolean) is required');
      return c.json(triggerShape(a.triggers.setEnabled(c.req.param('id')!, b.Enabled)));
    }),
  );
  app.delete(
    '/wisp/v1/triggers/:id',
    wrap(async (c) => {
      a.triggers.delete(c.req.param('id')!);
      return c.body(null, 204);
    }),
  );
}
