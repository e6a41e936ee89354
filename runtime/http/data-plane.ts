// The data plane: ANY /fn/NAME[:QUALIFIER][/rest] runs the function with /rest as its path.
// Every answer carries x-wisp-request-id; a function's answer also says which tier served it
// (x-wisp-start) and which version ran. Errors are {"error":{"code","message","requestId"}}.
//
// Two routes, matched here rather than by Hono (which routes the control plane): a warm request
// of a function that runs on this thread is answered in the turn it arrived, with no promise,
// no routing context and no WHATWG objects. A/B against the same handler behind Hono:
// docs/bench.md, 5b.

import type { IncomingMessage } from 'node:http';
import { errors } from '../engine/errors.js';
import type { InvokeRequest } from '../engine/types.js';
import type { Invocation, Invoker, Resolution } from '../invoke/invoker.js';
import { ApiError } from '../registry/errors.js';
import { BodyTooLarge } from './body.js';
import { DirectResponse } from './direct.js';
import { errorBody } from './errors.js';
import { fromIncoming } from './incoming.js';
import { requestId as newRequestId } from './request-id.js';

/** A request without a body (shared: nothing writes to it). */
const EMPTY = new Uint8Array(0);

/** Data-plane names for control-plane errors. */
const DATA_PLANE_CODES: Record<string, string> = {
  ResourceNotFoundException: 'FunctionNotFound',
  TooManyRequestsException: 'TooManyRequests',
};

/** Headers the host owns: a guest cannot set them (framing is the server's job). */
const HOST_HEADERS = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'upgrade', 'x-wisp-request-id', 'x-wisp-start', 'x-wisp-executed-version', 'x-wisp-fuel-used']);

/** /fn and /fn/... (the data plane); everything else is the control plane's. */
export const isDataPlane = (target: string) => target.startsWith('/fn/') || target === '/fn' || target.startsWith('/fn?');

/** A data-plane error (errors.ts's body, written directly); `extra` headers go first. */
export function dataError(requestId: string, status: number, code: string, message: string, extra: Record<string, string> = {}): DirectResponse {
  const body = Buffer.from(JSON.stringify(errorBody(code, message, requestId)));
  return new DirectResponse(status, { ...extra, 'x-wisp-request-id': requestId, 'content-type': 'application/json' }, body);
}

export interface DataPlaneOptions {
  invoker: Invoker;
  /** Request body cap. */
  requestBytes: number;
}

/** Answers one data-plane request: at once when it can, else later. */
export type DataPlane = (m: IncomingMessage) => DirectResponse | Promise<DirectResponse>;

export function dataPlane(opts: DataPlaneOptions): DataPlane {
  const { invoker, requestBytes } = opts;
  const apiError = (id: string, e: ApiError) => dataError(id, e.status, DATA_PLANE_CODES[e.type] ?? e.type, e.message);

  /** The invocation's answer: the function's response, or its error. */
  const answer = (inv: Invocation, req: InvokeRequest): DirectResponse => {
    const { result, status } = inv;
    if (result.error) {
      const extra: Record<string, string> = { 'x-wisp-start': result.tier, 'x-wisp-executed-version': inv.version };
      if (result.fuelUsed !== undefined) extra['x-wisp-fuel-used'] = String(result.fuelUsed);
      return dataError(req.requestId, status, result.error.code, result.error.message, extra);
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
    return new DirectResponse(status, headers, noBody ? null : res.body);
  };

  return (m) => {
    const requestId = newRequestId();
    const target = m.url ?? '/';
    const q = target.indexOf('?');
    const pathname = q < 0 ? target : target.slice(0, q);
    // /fn/REF or /fn/REF/rest, REF not empty (as the two routes /fn/:name and /fn/:name/*).
    const slash = pathname.indexOf('/', 4);
    const rawRef = pathname.startsWith('/fn/') ? pathname.slice(4, slash < 0 ? undefined : slash) : '';
    if (rawRef === '') return dataError(requestId, 404, 'RouteNotFound', `no route for ${m.method ?? 'GET'} ${pathname}`);
    const ref = decodeRef(rawRef);
    // NAME or NAME:QUALIFIER (a version number or an alias), as in Lambda ARNs.
    const colon = ref.indexOf(':');
    const name = colon < 0 ? ref : ref.slice(0, colon);
    const qualifier = colon < 0 ? undefined : ref.slice(colon + 1).split(':', 1)[0];
    let resolved: Resolution;
    try {
      resolved = invoker.resolve(name, qualifier);
    } catch (e) {
      if (e instanceof ApiError) return apiError(requestId, e);
      throw e;
    }
    const head = fromIncoming(m);
    const rest = slash < 0 ? '' : pathname.slice(slash);
    const req: InvokeRequest = {
      requestId,
      method: head.method,
      path: rest === '' ? '/' : rest,
      query: q < 0 ? '' : target.slice(q + 1),
      headers: head.headers,
      body: EMPTY,
      // TLS ends in front of Wisp (it listens on plain HTTP).
      scheme: 'http',
      authority: head.authority,
      remoteAddr: head.remoteAddr,
    };
    if (!head.hasBody) {
      // Answered in this turn when the engine can run it at once (a warm command on this thread).
      let now: Invocation | undefined;
      try {
        now = invoker.invokeNow(name, qualifier, req, resolved);
      } catch (e) {
        if (e instanceof ApiError) return apiError(requestId, e);
        throw e;
      }
      if (now) return answer(now, req);
    }
    return (async () => {
      try {
        req.body = await head.body(requestBytes);
      } catch (e) {
        if (!(e instanceof BodyTooLarge)) throw e;
        const err = errors.payloadTooLarge(requestBytes);
        return dataError(requestId, err.status, err.code, err.message);
      }
      let inv: Invocation;
      try {
        inv = await invoker.invoke(name, qualifier, req, resolved);
      } catch (e) {
        if (e instanceof ApiError) return apiError(requestId, e);
        throw e;
      }
      return answer(inv, req);
    })();
  };
}

/** Percent-decoded, as a router decodes a path parameter; left as sent if malformed. */
function decodeRef(raw: string): string {
  if (!raw.includes('%')) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}
