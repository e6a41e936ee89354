// The host's HTTP surface: the data plane (data-plane.ts: ANY /fn/:name[/*]) and the control
// plane (Lambda API, console, monitoring: Hono on @hono/node-server) behind one Node listener.
// Every response carries x-wisp-request-id.

import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { Hono, type MiddlewareHandler } from 'hono';
import type { Invoker } from '../invoke/invoker.js';
import { dataError, dataPlane, isDataPlane } from './data-plane.js';
import { DirectResponse, writeDirect } from './direct.js';
import { errorResponse } from './errors.js';
import { requestId } from './request-id.js';

export interface AppOptions {
  invoker: Invoker;
  /** Request body cap (default 6 MiB, Lambda's synchronous payload limit). */
  requestBytes?: number;
  /** Extra routes (control plane, console) mounted on the same app. */
  mount?: (app: Hono<Env>) => void;
}

export type Env = { Variables: { requestId: string }; Bindings: { incoming: IncomingMessage; outgoing: ServerResponse } };

/** What the server runs: one Node request listener over both planes. */
export interface HostApp {
  handle: RequestListener;
}

/** The control plane's request id, on every response. */
const requestIds: MiddlewareHandler<Env> = async (c, next) => {
  const id = requestId();
  c.set('requestId', id);
  await next();
  c.res.headers.set('x-wisp-request-id', id);
};

/**
 * The control plane (~60 routes) is a Hono app on @hono/node-server, loaded on its first request
 * (node-server takes the WHATWG globals, which loads undici: 15–20 ms of a fresh host's start).
 * The data plane matches its two routes itself and writes its answers straight to Node's
 * ServerResponse (data-plane.ts, direct.ts).
 */
export function createApp(opts: AppOptions): HostApp {
  const plane = dataPlane({ invoker: opts.invoker, requestBytes: opts.requestBytes ?? 6 * 1024 * 1024 });
  const app = new Hono<Env>();
  app.use('*', requestIds);
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  opts.mount?.(app);
  app.notFound((c) => errorResponse(c, 404, 'RouteNotFound', `no route for ${c.req.method} ${new URL(c.req.url).pathname}`));
  app.onError((err, c) => {
    console.error(`wisp: ${c.get('requestId')}:`, err);
    return errorResponse(c, 500, 'InternalError', 'the host failed to handle this request');
  });
  // node-server (and with it undici) loads on the first control-plane request.
  let control: Promise<RequestListener> | undefined;
  const controlListener = () =>
    (control ??= import('@hono/node-server').then(({ getRequestListener }) => getRequestListener((req, env) => app.fetch(req, env))));
  const fail = (res: ServerResponse, e: unknown) => {
    console.error('wisp: answering a request:', e);
    if (!res.headersSent) res.writeHead(500).end();
    else res.destroy();
  };
  /** A data-plane request the host failed to handle (a bug, not the guest's doing). */
  const internal = (res: ServerResponse, e: unknown) => {
    const id = requestId();
    console.error(`wisp: ${id}:`, e);
    if (res.headersSent) return void res.destroy();
    writeDirect(dataError(id, 500, 'InternalError', 'the host failed to handle this request'), res);
  };
  return {
    handle: (req, res) => {
      if (isDataPlane(req.url ?? '/')) {
        let answer: DirectResponse | Promise<DirectResponse>;
        try {
          answer = plane(req);
        } catch (e) {
          return internal(res, e);
        }
        if (answer instanceof DirectResponse) return writeDirect(answer, res);
        answer.then(
          (a) => writeDirect(a, res),
          (e: unknown) => internal(res, e),
        );
      } else {
        controlListener()
          .then((listener) => listener(req, res))
          .catch((e: unknown) => fail(res, e));
      }
    },
  };
}
