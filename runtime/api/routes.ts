// The control plane: the subset of the AWS Lambda REST API (2015-03-31) that Wisp implements,
// SigV4-authenticated, so the aws CLI, boto3 and Wisp's own CLI drive the same endpoints.

import type { Context, Hono, MiddlewareHandler } from 'hono';
import type { Env } from '../http/app.js';
import type { Invoker } from '../invoke/invoker.js';
import { ApiError, invalid, notFound, tooLarge } from '../registry/errors.js';
import type { EventQueue } from '../registry/events.js';
import type { Registry } from '../registry/registry.js';
import type { ConfigInput } from '../registry/types.js';
import { awsError, toApiError } from './errors.js';
import { aliasConfiguration, functionConfiguration, parseFunctionRef } from './shapes.js';
import { verifySigV4 } from './sigv4.js';
import { storePackage } from './code.js';
import type { LogStore } from '../monitoring/logs.js';
import type { Monitoring } from '../monitoring/index.js';

export interface ControlPlane {
  registry: Registry;
  invoker: Invoker;
  queue: EventQueue;
  /** Artifact store and build cache. */
  cacheDir: string;
  /** Scratch space for unpacking uploads (this host's own). */
  uploadsDir: string;
  keys: Record<string, string>;
  /** Called after a function's code or config changed (engine eviction, pool refill). */
  onChange: (name: string) => void;
  /** Called after an Event was queued. */
  onEnqueue: () => void;
  /** More routes behind the same auth (async config, triggers). */
  extra?: (app: Hono<Env>) => void;
  logs: LogStore;
  monitoring: Monitoring;
}

/** Lambda's request payload limits: 6 MB synchronous, 256 KB asynchronous. */
const SYNC_PAYLOAD = 6 * 1024 * 1024;
const ASYNC_PAYLOAD = 256 * 1024;
/** A CreateFunction body holds the zip base64-encoded: 50 MB zipped -> ~67 MB of JSON. */
const MAX_API_BODY = 70 * 1024 * 1024;

async function bodyBytes(c: Context<Env>, limit: number): Promise<Uint8Array> {
  if (Number(c.req.header('content-length') ?? 0) > limit) throw tooLarge(`request body exceeds ${limit} bytes`);
  const buf = new Uint8Array(await c.req.arrayBuffer());
  if (buf.length > limit) throw tooLarge(`request body exceeds ${limit} bytes`);
  return buf;
}

function json(bytes: Uint8Array): Record<string, unknown> {
  if (bytes.length === 0) return {};
  try {
    const v = JSON.parse(new TextDecoder().decode(bytes)) as unknown;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
    return v as Record<string, unknown>;
  } catch (e) {
    throw invalid(`request body is not a JSON object: ${(e as Error).message}`);
  }
}

const str = (v: unknown, what: string): string | undefined => {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw invalid(`${what} must be a string`);
  return v;
};
const int = (v: unknown, what: string): number | undefined => {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw invalid(`${what} must be an integer`);
  return v;
};

/** Lambda's configuration members (plus WispConfig) -> a registry config change. */
function configInput(b: Record<string, unknown>): ConfigInput {
  const out: ConfigInput = {};
  out.runtime = str(b.Runtime, 'Runtime');
  out.handler = str(b.Handler, 'Handler');
  out.role = str(b.Role, 'Role');
  out.description = str(b.Description, 'Description');
  const mem = int(b.MemorySize, 'MemorySize');
  if (mem !== undefined) {
    if (mem < 128 || mem > 10240) throw invalid('MemorySize must be between 128 and 10240 MB (WispConfig.MemoryMB allows smaller caps)');
    out.memoryMB = mem;
  }
  const timeout = int(b.Timeout, 'Timeout');
  if (timeout !== undefined) {
    if (timeout < 1 || timeout > 900) throw invalid('Timeout must be between 1 and 900 seconds');
    out.timeoutMs = timeout * 1000;
  }
  if (b.Environment !== undefined) {
    const vars = (b.Environment as { Variables?: unknown })?.Variables ?? {};
    out.env = vars as Record<string, string>;
  }
  const w = b.WispConfig as Record<string, unknown> | undefined;
  if (w !== undefined) {
    if (typeof w !== 'object' || w === null) throw invalid('WispConfig must be an object');
    out.fuel = int(w.Fuel, 'WispConfig.Fuel');
    if (w.Reuse !== undefined) out.reuse = !!w.Reuse;
    out.prewarm = int(w.Prewarm, 'WispConfig.Prewarm');
    out.timeoutMs = int(w.TimeoutMs, 'WispConfig.TimeoutMs') ?? out.timeoutMs;
    out.memoryMB = int(w.MemoryMB, 'WispConfig.MemoryMB') ?? out.memoryMB;
  }
  for (const k of Object.keys(out) as (keyof ConfigInput)[]) if (out[k] === undefined) delete out[k];
  return out;
}

function zipOf(code: unknown): Uint8Array {
  const zip = (code as { ZipFile?: unknown } | undefined)?.ZipFile;
  if (typeof zip !== 'string' || zip.length === 0) throw invalid('Code.ZipFile (base64) is required: S3 locations and images are not supported');
  return new Uint8Array(Buffer.from(zip, 'base64'));
}

export function mountControlPlane(app: Hono<Env>, cp: ControlPlane): void {
  const { registry } = cp;

  const auth: MiddlewareHandler<Env> = async (c, next) => {
    c.header('x-amzn-RequestId', c.get('requestId'));
    const url = new URL(c.req.url);
    const raw = c.req.raw.url.replace(/^[a-z]+:\/\/[^/]+/, '');
    const [rawPath, rawQuery = ''] = raw.split('?', 2) as [string, string?];
    const body = new Uint8Array(await c.req.raw.clone().arrayBuffer());
    const v = verifySigV4({ method: c.req.method, rawPath: rawPath || url.pathname, rawQuery, headers: c.req.raw.headers, body }, (k) => cp.keys[k]);
    if (!v.ok) {
      const type = v.reason.startsWith('Missing') ? 'MissingAuthenticationTokenException' : 'InvalidSignatureException';
      return awsError(c, new ApiError(403, type, v.reason));
    }
    await next();
  };

  const wrap = (h: (c: Context<Env>) => Promise<Response>) => async (c: Context<Env>) => {
    try {
      return await h(c);
    } catch (e) {
      return awsError(c, toApiError(e));
    }
  };

  const ref = (c: Context<Env>) => {
    const r = parseFunctionRef(decodeURIComponent(c.req.param('name') ?? ''));
    const q = c.req.query('Qualifier') ?? r.qualifier;
    return { name: r.name, qualifier: q };
  };

  for (const prefix of ['/2015-03-31/*', '/2017-10-31/*', '/2019-09-25/*', '/2019-09-30/*', '/wisp/v1/*']) app.use(prefix, auth);
  cp.monitoring.mount(app, auth);
  cp.extra?.(app);

  // ---- Wisp's own API (/wisp/v1): what Lambda keeps in CloudWatch ----

  app.get(
    '/wisp/v1/functions/:name/logs',
    wrap(async (c) => {
      const { name } = ref(c);
      registry.config(name); // 404 for unknown functions
      const num = (k: string) => (c.req.query(k) !== undefined ? Number(c.req.query(k)) : undefined);
      const events = cp.logs.query(name, {
        after: num('after'),
        since: num('since'),
        limit: num('limit'),
        requestId: c.req.query('requestId'),
        contains: c.req.query('filter'),
      });
      return c.json({ events, lastId: events.at(-1)?.id ?? num('after') ?? 0 });
    }),
  );

  // ---- functions ----

  const createFunction = wrap(async (c) => {
    const b = json(await bodyBytes(c, MAX_API_BODY));
    const name = str(b.FunctionName, 'FunctionName');
    if (!name) throw invalid('FunctionName is required');
    const input = configInput(b);
    if (!input.runtime) throw invalid('Runtime is required');
    if (registry.exists(name)) throw new ApiError(409, 'ResourceConflictException', `Function already exist: ${name}`);
    const code = await storePackage(zipOf(b.Code), input.runtime, cp.cacheDir, cp.uploadsDir);
    let cfg = registry.create(name, input, code);
    if (b.Publish === true) cfg = registry.publish(name, input.description);
    cp.onChange(name);
    return c.json(functionConfiguration(cfg), 201);
  });
  app.post('/2015-03-31/functions', createFunction);
  app.post('/2015-03-31/functions/', createFunction);

  const listFunctions = wrap(async (c) => {
    const all = registry.listConfigs();
    const max = Math.min(Number(c.req.query('MaxItems') ?? 50) || 50, 10_000);
    const marker = c.req.query('Marker');
    const start = marker ? all.findIndex((f) => f.name > marker) : 0;
    const page = start < 0 ? [] : all.slice(start, start + max);
    const next = start >= 0 && start + max < all.length ? page[page.length - 1]!.name : undefined;
    return c.json({ Functions: page.map((f) => functionConfiguration(f)), ...(next ? { NextMarker: next } : {}) });
  });
  app.get('/2015-03-31/functions', listFunctions);
  app.get('/2015-03-31/functions/', listFunctions);

  app.get(
    '/2015-03-31/functions/:name',
    wrap(async (c) => {
      const { name, qualifier } = ref(c);
      const cfg = registry.config(name, qualifier);
      const out: Record<string, unknown> = {
        Configuration: functionConfiguration(cfg, cfg.version === '$LATEST' ? cfg.description : (registry.versionDescription(name, cfg.version) ?? '')),
        Code: { RepositoryType: 'Wisp', Location: `wisp://${cfg.artifactDir}` },
        Tags: {},
      };
      if (cfg.reservedConcurrency !== null) out.Concurrency = { ReservedConcurrentExecutions: cfg.reservedConcurrency };
      return c.json(out);
    }),
  );

  app.get(
    '/2015-03-31/functions/:name/configuration',
    wrap(async (c) => {
      const { name, qualifier } = ref(c);
      const cfg = registry.config(name, qualifier);
      return c.json(functionConfiguration(cfg, cfg.version === '$LATEST' ? cfg.description : (registry.versionDescription(name, cfg.version) ?? '')));
    }),
  );

  app.put(
    '/2015-03-31/functions/:name/configuration',
    wrap(async (c) => {
      const { name } = ref(c);
      const b = json(await bodyBytes(c, 1024 * 1024));
      const input = configInput(b);
      if (input.runtime !== undefined && input.runtime !== registry.config(name).runtime) {
        throw invalid('changing Runtime needs new code: use UpdateFunctionCode after rebuilding, or create a new function');
      }
      const cfg = registry.updateConfig(name, input, str(b.RevisionId, 'RevisionId'));
      cp.onChange(name);
      return c.json(functionConfiguration(cfg));
    }),
  );

  app.put(
    '/2015-03-31/functions/:name/code',
    wrap(async (c) => {
      const { name } = ref(c);
      const b = json(await bodyBytes(c, MAX_API_BODY));
      const current = registry.config(name);
      const code = await storePackage(zipOf({ ZipFile: b.ZipFile }), current.runtime, cp.cacheDir, cp.uploadsDir);
      if (b.DryRun === true) return c.json(functionConfiguration({ ...current, codeSha256: code.sha256, codeSize: code.size }));
      let cfg = registry.updateCode(name, code, str(b.RevisionId, 'RevisionId'));
      if (b.Publish === true) cfg = registry.publish(name);
      cp.onChange(name);
      return c.json(functionConfiguration(cfg));
    }),
  );

  app.delete(
    '/2015-03-31/functions/:name',
    wrap(async (c) => {
      const { name, qualifier } = ref(c);
      registry.delete(name, qualifier);
      cp.onChange(name);
      return c.body(null, 204);
    }),
  );

  // ---- versions ----

  app.post(
    '/2015-03-31/functions/:name/versions',
    wrap(async (c) => {
      const { name } = ref(c);
      const b = json(await bodyBytes(c, 1024 * 1024));
      const description = str(b.Description, 'Description');
      const cfg = registry.publish(name, description, str(b.CodeSha256, 'CodeSha256'), str(b.RevisionId, 'RevisionId'));
      return c.json(functionConfiguration(cfg, registry.versionDescription(name, cfg.version) ?? ''), 201);
    }),
  );

  app.get(
    '/2015-03-31/functions/:name/versions',
    wrap(async (c) => {
      const { name } = ref(c);
      const versions = registry.versions(name).map((v) =>
        functionConfiguration(v, v.version === '$LATEST' ? v.description : (registry.versionDescription(name, v.version) ?? '')),
      );
      return c.json({ Versions: versions });
    }),
  );

  // ---- aliases ----

  const weightsOf = (b: Record<string, unknown>): Record<string, number> | undefined => {
    const rc = b.RoutingConfig as { AdditionalVersionWeights?: Record<string, number> } | undefined;
    if (rc === undefined) return undefined;
    return rc?.AdditionalVersionWeights ?? {};
  };

  app.post(
    '/2015-03-31/functions/:name/aliases',
    wrap(async (c) => {
      const { name } = ref(c);
      const b = json(await bodyBytes(c, 1024 * 1024));
      const alias = str(b.Name, 'Name');
      const version = str(b.FunctionVersion, 'FunctionVersion');
      if (!alias || !version) throw invalid('Name and FunctionVersion are required');
      const a = registry.createAlias(name, alias, version, str(b.Description, 'Description') ?? '', weightsOf(b) ?? {});
      return c.json(aliasConfiguration(a), 201);
    }),
  );
  app.get(
    '/2015-03-31/functions/:name/aliases',
    wrap(async (c) => c.json({ Aliases: registry.aliases(ref(c).name).map(aliasConfiguration) })),
  );
  app.get(
    '/2015-03-31/functions/:name/aliases/:alias',
    wrap(async (c) => c.json(aliasConfiguration(registry.alias(ref(c).name, c.req.param('alias')!)))),
  );
  app.put(
    '/2015-03-31/functions/:name/aliases/:alias',
    wrap(async (c) => {
      const b = json(await bodyBytes(c, 1024 * 1024));
      const a = registry.updateAlias(
        ref(c).name,
        c.req.param('alias')!,
        { version: str(b.FunctionVersion, 'FunctionVersion'), description: str(b.Description, 'Description'), weights: weightsOf(b) },
        str(b.RevisionId, 'RevisionId'),
      );
      return c.json(aliasConfiguration(a));
    }),
  );
  app.delete(
    '/2015-03-31/functions/:name/aliases/:alias',
    wrap(async (c) => {
      registry.deleteAlias(ref(c).name, c.req.param('alias')!);
      return c.body(null, 204);
    }),
  );

  // ---- concurrency ----

  app.put(
    '/2017-10-31/functions/:name/concurrency',
    wrap(async (c) => {
      const b = json(await bodyBytes(c, 64 * 1024));
      const n = int(b.ReservedConcurrentExecutions, 'ReservedConcurrentExecutions');
      if (n === undefined) throw invalid('ReservedConcurrentExecutions is required');
      registry.setReservedConcurrency(ref(c).name, n);
      return c.json({ ReservedConcurrentExecutions: n });
    }),
  );
  app.delete(
    '/2017-10-31/functions/:name/concurrency',
    wrap(async (c) => {
      registry.setReservedConcurrency(ref(c).name, null);
      return c.body(null, 204);
    }),
  );
  app.get(
    '/2019-09-30/functions/:name/concurrency',
    wrap(async (c) => {
      const n = registry.config(ref(c).name).reservedConcurrency;
      return c.json(n === null ? {} : { ReservedConcurrentExecutions: n });
    }),
  );

  // ---- invoke ----

  app.post(
    '/2015-03-31/functions/:name/invocations',
    wrap(async (c) => {
      const { name, qualifier } = ref(c);
      const type = c.req.header('x-amz-invocation-type') ?? 'RequestResponse';
      if (!['RequestResponse', 'Event', 'DryRun'].includes(type)) throw invalid(`X-Amz-Invocation-Type must be RequestResponse, Event or DryRun, got ${type}`);
      const payload = await bodyBytes(c, type === 'Event' ? ASYNC_PAYLOAD : SYNC_PAYLOAD);
      const resolved = cp.invoker.resolve(name, qualifier); // 404 before anything else
      if (type === 'DryRun') return c.body(null, 204);
      if (type === 'Event') {
        const id = cp.queue.enqueue(name, qualifier ?? '$LATEST', payload);
        cp.onEnqueue();
        c.header('x-amzn-RequestId', id);
        return c.body(null, 202);
      }
      const requestId = c.get('requestId');
      const inv = await cp.invoker.invoke(
        name,
        qualifier,
        {
          requestId,
          method: 'POST',
          path: '/',
          query: '',
          headers: [['content-type', 'application/json']],
          body: payload,
          scheme: 'http',
          authority: 'localhost',
          remoteAddr: '',
        },
        resolved,
      );
      c.header('X-Amz-Executed-Version', inv.version);
      if (c.req.header('x-amz-log-type') === 'Tail') {
        const log = Buffer.from(inv.logText, 'utf8');
        c.header('X-Amz-Log-Result', log.subarray(Math.max(0, log.length - 4096)).toString('base64'));
      }
      const { result } = inv;
      if (result.error) {
        c.header('X-Amz-Function-Error', 'Unhandled');
        return c.json({ errorType: result.error.code, errorMessage: result.error.message, requestId }, 200);
      }
      const res = result.response!;
      if (res.status >= 500) c.header('X-Amz-Function-Error', 'Unhandled');
      const ct = res.headers.find(([n]) => n.toLowerCase() === 'content-type')?.[1];
      return new Response(res.body as Uint8Array<ArrayBuffer>, {
        status: 200,
        headers: { ...Object.fromEntries(c.res.headers), 'content-type': ct ?? 'application/json' },
      });
    }),
  );

  app.all('/2015-03-31/*', (c) => awsError(c, notFound(`no such API: ${c.req.method} ${new URL(c.req.url).pathname}`)));
}
