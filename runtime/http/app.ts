// The host's HTTP surface. Data plane: ANY /fn/:name[/*] runs the function with the rest of the
// path as its path. Every response carries x-wisp-request-id; function responses also carry
// x-wisp-start (the tier that served them).

import { randomUUID } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { errors } from '../engine/errors.js';
import type { InvokeRequest } from '../engine/types.js';
import type { Invoker, Resolution } from '../invoke/invoker.js';
import { ApiError } from '../registry/errors.js';
import { BodyTooLarge, readBody } from './body.js';
import { errorResponse } from './errors.js';

export interface AppOptions {
  invoker: Invoker;
  /** Request body cap (default 6 MiB, Lambda's synchronous payload limit). */
  requestBytes?: number;
  /** Extra routes (control plane, console) mounted on the same app. */
  mount?: (app: Hono<Env>) => void;
}

/** Data-plane names for control-plane errors. */
const DATA_PLANE_CODES: Record<string, string> = {
  ResourceNotFoundException: 'FunctionNotFound',
  TooManyRequestsException: 'TooManyRequests',
};

export type Env = { Variables: { requestId: string }; Bindings: { incoming?: { socket?: { remoteAddress?: string } } } };

/** Headers the host owns: a guest cannot set them (framing is the server's job). */
const HOST_HEADERS = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'upgrade', 'x-wisp-request-id', 'x-wisp-start', 'x-wisp-executed-version', 'x-wisp-fuel-used']);

export function createApp(opts: AppOptions): Hono<Env> {
  const requestBytes = opts.requestBytes ?? 6 * 1024 * 1024;
  const app = new Hono<Env>();

  app.use('*', async (c, next) => {
    const id = randomUUID();
    c.set('requestId', id);
    await next();
    c.res.headers.set('x-wisp-request-id', id);
  });

  app.get('/healthz', (c) => c.json({ status: 'ok' }));

  const apiError = (c: Context<Env>, e: ApiError) => errorResponse(c, e.status, DATA_PLANE_CODES[e.type] ?? e.type, e.message);

  const invoke = async (c: Context<Env>) => {
    // NAME or NAME:QUALIFIER (a version number or an alias), as in Lambda ARNs.
    const ref = c.req.param('name')!;
    const [name, qualifier] = ref.split(':', 2) as [string, string | undefined];
    const requestId = c.get('requestId');
    let resolved: Resolution;
    try {
      resolved = opts.invoker.resolve(name, qualifier);
    } catch (e) {
      if (e instanceof ApiError) return apiError(c, e);
      throw e;
    }
    let body: Uint8Array;
    try {
      body = await readBody(c.req.raw, requestBytes);
    } catch (e) {
      if (!(e instanceof BodyTooLarge)) throw e;
      const err = errors.payloadTooLarge(requestBytes);
      return errorResponse(c, err.status, err.code, err.message);
    }
    const url = new URL(c.req.url);
    const prefix = `/fn/${ref}`;
    const rest = url.pathname.startsWith(prefix) ? url.pathname.slice(prefix.length) : '';
    const req: InvokeRequest = {
      requestId,
      method: c.req.method,
      path: rest.startsWith('/') ? rest : `/${rest}`,
      query: url.search.slice(1),
      headers: [...c.req.raw.headers.entries()],
      body,
      scheme: url.protocol === 'https:' ? 'https' : 'http',
      authority: c.req.header('host') ?? url.host,
      remoteAddr: c.env?.incoming?.socket?.remoteAddress ?? '',
    };
    let inv;
    try {
      inv = await opts.invoker.invoke(name, qualifier, req, resolved);
    } catch (e) {
      if (e instanceof ApiError) return apiError(c, e);
      throw e;
    }
    const { result, status } = inv;
    c.header('x-wisp-start', result.tier);
    c.header('x-wisp-executed-version', inv.version);
    if (result.fuelUsed !== undefined) c.header('x-wisp-fuel-used', String(result.fuelUsed));
    if (result.error) return errorResponse(c, status, result.error.code, result.error.message);
    const res = result.response!;
    const headers = new Headers();
    for (const [n, v] of res.headers) if (!HOST_HEADERS.has(n.toLowerCase())) headers.append(n, v);
    c.res.headers.forEach((v, n) => headers.set(n, v));
    // 1xx/204/304 responses cannot carry a body.
    const noBody = status < 200 || status === 204 || status === 304 || req.method === 'HEAD';
    return new Response(noBody ? null : (res.body as Uint8Array<ArrayBuffer>), { status, headers });
  };
  app.all('/fn/:name', invoke);
  app.all('/fn/:name/*', invoke);
  opts.mount?.(app);

  app.notFound((c) => errorResponse(c, 404, 'RouteNotFound', `no route for ${c.req.method} ${new URL(c.req.url).pathname}`));
  app.onError((err, c) => {
    console.error(`wisp: ${c.get('requestId')}:`, err);
    return errorResponse(c, 500, 'InternalError', 'the host failed to handle this request');
  });
  return app;
}
