// The host's HTTP surface. Data plane: ANY /fn/:name[/*] runs the function with the rest of the
// path as its path. Every response carries x-wisp-request-id; function responses also carry
// x-wisp-start (the tier that served them).

import { randomUUID } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { errors } from '../engine/errors.js';
import type { InvokeRequest } from '../engine/types.js';
import type { Invocation, Invoker, Resolution } from '../invoke/invoker.js';
import { ApiError } from '../registry/errors.js';
import { BodyTooLarge } from './body.js';
import { DirectResponse, routingRequest, writeAnswer, writeDirect } from './direct.js';
import { fromIncoming } from './incoming.js';
import { errorResponse } from './errors.js';

export interface AppOptions {
  invoker: Invoker;
  /** Request body cap (default 6 MiB, Lambda's synchronous payload limit). */
  requestBytes?: number;
  /** Extra routes (control plane, console) mounted on the same app. */
  mount?: (app: Hono<Env>) => void;
}

/** A request without a body (shared: nothing writes to it). */
const EMPTY = new Uint8Array(0);

/** Data-plane names for control-plane errors. */
const DATA_PLANE_CODES: Record<string, string> = {
  ResourceNotFoundException: 'FunctionNotFound',
  TooManyRequestsException: 'TooManyRequests',
};

export type Env = { Variables: { requestId: string }; Bindings: { incoming: IncomingMessage; outgoing: ServerResponse } };

/** Headers the host owns: a guest cannot set them (framing is the server's job). */
const HOST_HEADERS = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'upgrade', 'x-wisp-request-id', 'x-wisp-start', 'x-wisp-executed-version', 'x-wisp-fuel-used']);

/** What the server runs: one Node request listener over both apps. */
export interface HostApp {
  handle: RequestListener;
}

/** The control plane's request id, on every response. */
const requestIds: MiddlewareHandler<Env> = async (c, next) => {
  const id = randomUUID();
  c.set('requestId', id);
  await next();
  c.res.headers.set('x-wisp-request-id', id);
};

/** The data plane runs no middleware (Hono then calls the one matching handler directly, and
 *  a handler that answers at once answers without a promise): its handlers set the id. */
function dataRequestId(c: Context<Env>): string {
  let id = c.get('requestId');
  if (id === undefined) c.set('requestId', (id = randomUUID()));
  return id;
}

/** A data-plane error: the usual body, with the request id header. */
function dataError(c: Context<Env>, status: number, code: string, message: string): Response {
  c.header('x-wisp-request-id', dataRequestId(c));
  return errorResponse(c, status, code, message);
}

function withErrors(app: Hono<Env>, error: typeof dataError = errorResponse): Hono<Env> {
  app.notFound((c) => error(c, 404, 'RouteNotFound', `no route for ${c.req.method} ${new URL(c.req.url).pathname}`));
  app.onError((err, c) => {
    console.error(`wisp: ${c.get('requestId')}:`, err);
    return error(c, 500, 'InternalError', 'the host failed to handle this request');
  });
  return app;
}

/** /fn and /fn/... (the data plane); everything else is the control plane's. */
const isDataPlane = (target: string) => target.startsWith('/fn/') || target === '/fn' || target.startsWith('/fn?');

/**
 * Two Hono apps behind one Node listener: the data plane (two routes, on Wisp's own adapter,
 * direct.ts) and the rest (Lambda API, console, monitoring: ~60 routes, on @hono/node-server,
 * loaded on first use). Invocations match against two routes, not the whole API's pattern, and
 * the control plane's matcher is built on its own first request.
 */
export function createApp(opts: AppOptions): HostApp {
  const requestBytes = opts.requestBytes ?? 6 * 1024 * 1024;
  const data = new Hono<Env>();
  const app = new Hono<Env>();
  app.use('*', requestIds);

  app.get('/healthz', (c) => c.json({ status: 'ok' }));

  const apiError = (c: Context<Env>, e: ApiError) => dataError(c, e.status, DATA_PLANE_CODES[e.type] ?? e.type, e.message);

  /** The invocation's answer: the function's response, or its error. */
  const answer = (c: Context<Env>, inv: Invocation, req: InvokeRequest): Response => {
    const { result, status } = inv;
    if (result.error) {
      c.header('x-wisp-start', result.tier);
      c.header('x-wisp-executed-version', inv.version);
      if (result.fuelUsed !== undefined) c.header('x-wisp-fuel-used', String(result.fuelUsed));
      return dataError(c, status, result.error.code, result.error.message);
    }
    const res = result.response!;
    const headers: Record<string, string | string[]> = {};
    for (const [n, v] of res.headers) {
      const k = n.toLowerCase();
      if (HOST_HEADERS.has(k)) continue;
      const prev = headers[k];
      headers[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
    }
    headers['x-wisp-request-id'] = req.requestId;
    headers['x-wisp-start'] = result.tier;
    headers['x-wisp-executed-version'] = inv.version;
    if (result.fuelUsed !== undefined) headers['x-wisp-fuel-used'] = String(result.fuelUsed);
    // 1xx/204/304 responses cannot carry a body.
    const noBody = status < 200 || status === 204 || status === 304 || req.method === 'HEAD';
    // Written by direct.ts; Hono only passes it through.
    return new DirectResponse(status, headers, noBody ? null : res.body) as unknown as Response;
  };

  const invoke = (c: Context<Env>): Response | Promise<Response> => {
    const requestId = dataRequestId(c);
    // NAME or NAME:QUALIFIER (a version number or an alias), as in Lambda ARNs.
    const ref = c.req.param('name')!;
    const [name, qualifier] = ref.split(':', 2) as [string, string | undefined];
    let resolved: Resolution;
    try {
      resolved = opts.invoker.resolve(name, qualifier);
    } catch (e) {
      if (e instanceof ApiError) return apiError(c, e);
      throw e;
    }
    const head = fromIncoming(c.env.incoming);
    const q = head.target.indexOf('?');
    const pathname = q < 0 ? head.target : head.target.slice(0, q);
    const prefix = `/fn/${ref}`;
    const rest = pathname.startsWith(prefix) ? pathname.slice(prefix.length) : '';
    const req: InvokeRequest = {
      requestId,
      method: head.method,
      path: rest.startsWith('/') ? rest : `/${rest}`,
      query: q < 0 ? '' : head.target.slice(q + 1),
      headers: head.headers,
      body: EMPTY,
      // TLS ends in front of Wisp (it listens on plain HTTP).
      scheme: 'http',
      authority: head.authority,
      remoteAddr: head.remoteAddr,
    };
    if (!head.hasBody) {
      // Answered here when the engine can run it at once (a warm command on this thread).
      let now: Invocation | undefined;
      try {
        now = opts.invoker.invokeNow(name, qualifier, req, resolved);
      } catch (e) {
        if (e instanceof ApiError) return apiError(c, e);
        throw e;
      }
      if (now) return answer(c, now, req);
    }
    return (async () => {
      try {
        req.body = await head.body(requestBytes);
      } catch (e) {
        if (!(e instanceof BodyTooLarge)) throw e;
        const err = errors.payloadTooLarge(requestBytes);
        return dataError(c, err.status, err.code, err.message);
      }
      let inv: Invocation;
      try {
        inv = await opts.invoker.invoke(name, qualifier, req, resolved);
      } catch (e) {
        if (e instanceof ApiError) return apiError(c, e);
        throw e;
      }
      return answer(c, inv, req);
    })();
  };
  data.all('/fn/:name', invoke);
  data.all('/fn/:name/*', invoke);
  opts.mount?.(app);
  withErrors(data, dataError);
  withErrors(app);
  // node-server (and with it undici) loads on the first control-plane request.
  let control: Promise<RequestListener> | undefined;
  const controlListener = () =>
    (control ??= import('@hono/node-server').then(({ getRequestListener }) => getRequestListener((req, env) => app.fetch(req, env))));
  const fail = (res: ServerResponse, e: unknown) => {
    console.error('wisp: answering a request:', e);
    if (!res.headersSent) res.writeHead(500).end();
    else res.destroy();
  };
  return {
    handle: (req, res) => {
      if (isDataPlane(req.url ?? '/')) {
        let answer: unknown;
        try {
          answer = data.fetch(routingRequest(req), { incoming: req, outgoing: res });
          if (answer instanceof DirectResponse) return writeDirect(answer, res);
        } catch (e) {
          return fail(res, e);
        }
        void Promise.resolve(answer)
          .then((a) => writeAnswer(a as Response | DirectResponse, res))
          .catch((e: unknown) => fail(res, e));
      } else {
        controlListener()
          .then((listener) => listener(req, res))
          .catch((e: unknown) => fail(res, e));
      }
    },
  };
}
