// The command shape, served as CGI/1.1 (RFC 3875): request -> meta-variables + stdin;
// stdout -> header lines, a blank line, the body.

import { EnvList, envBlock, type EnvBlock } from '../wasi/env.js';
import type { InvokeRequest, InvokeResponse } from './types.js';

/** Headers that never become HTTP_* variables: the body ones have their own variables, and
 *  Proxy is dropped so a request cannot set HTTP_PROXY in the guest (httpoxy). */
const SKIP_HEADERS = new Set(['content-type', 'content-length', 'proxy', 'connection']);

/** `User-Agent` -> `HTTP_USER_AGENT`; the same few header names arrive on every request. */
const headerVars = new Map<string, string>();

function headerVar(lower: string): string {
  let key = headerVars.get(lower);
  if (key === undefined) {
    key = `HTTP_${lower.toUpperCase().replace(/-/g, '_')}`;
    // Bounded: header names are chosen by clients.
    if (headerVars.size < 512) headerVars.set(lower, key);
  }
  return key;
}

/** Per function: its fixed variables, encoded (the CGI constants and its configured env). */
interface Fixed {
  configEnv: Record<string, string>;
  block: EnvBlock;
  /** The configured env sets no request variable (nearly always): none is checked for. */
  plain: boolean;
}
const fixedByFunction = new Map<string, Fixed>();
/** Bounded: a host may run many functions; a miss only re-encodes ~100 bytes. */
const MAX_FIXED = 256;

/** The same variables, values and order (the order is the guest's environ order, as for the
 *  executor's configurations). */
function sameEnv(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a[k] === b[k]);
}

/** What a request sets, besides HTTP_*. */
const REQUEST_VARS = new Set(['SERVER_NAME', 'SERVER_PORT', 'REQUEST_METHOD', 'PATH_INFO', 'QUERY_STRING', 'REMOTE_ADDR', 'REQUEST_ID', 'CONTENT_TYPE', 'CONTENT_LENGTH']);

function fixedFor(fnName: string, configEnv: Record<string, string>): Fixed {
  const hit = fixedByFunction.get(fnName);
  if (hit && (hit.configEnv === configEnv || sameEnv(hit.configEnv, configEnv))) {
    hit.configEnv = configEnv;
    return hit;
  }
  const entries: [string, string][] = [];
  for (const [k, v] of [['GATEWAY_INTERFACE', 'CGI/1.1'], ['SERVER_PROTOCOL', 'HTTP/1.1'], ['SERVER_SOFTWARE', 'wisp'], ['SCRIPT_NAME', `/fn/${fnName}`]] as const) {
    if (!Object.hasOwn(configEnv, k)) entries.push([k, v]);
  }
  for (const k of Object.keys(configEnv)) entries.push([k, configEnv[k]!]);
  const fixed = { configEnv, block: envBlock(entries), plain: Object.keys(configEnv).every((k) => !REQUEST_VARS.has(k) && !k.startsWith('HTTP_')) };
  if (fixedByFunction.size >= MAX_FIXED) fixedByFunction.clear();
  fixedByFunction.set(fnName, fixed);
  return fixed;
}

/**
 * The meta-variables: CGI's constants and the function's configured env (which wins over
 * anything a request could set), then the request's own variables, headers as HTTP_*. The
 * first part is the same for every request of a function and is encoded once.
 */
export function cgiEnvironment(fnName: string, req: InvokeRequest, configEnv: Record<string, string>): EnvList {
  const fixed = fixedFor(fnName, configEnv);
  const { authority } = req;
  const colon = authority.indexOf(':');
  let port = req.scheme === 'https' ? '443' : '80';
  if (colon >= 0) {
    const end = authority.indexOf(':', colon + 1);
    port = authority.slice(colon + 1, end < 0 ? undefined : end);
  }
  const vars = [
    'SERVER_NAME',
    colon < 0 ? authority : authority.slice(0, colon),
    'SERVER_PORT',
    port,
    'REQUEST_METHOD',
    req.method,
    'PATH_INFO',
    req.path,
    'QUERY_STRING',
    req.query,
    'REMOTE_ADDR',
    req.remoteAddr,
    'REQUEST_ID',
    req.requestId,
  ];
  let contentLength = req.body.length > 0;
  for (const [name, value] of req.headers) {
    const lower = name.toLowerCase();
    if (lower === 'content-type') vars.push('CONTENT_TYPE', value);
    else if (lower === 'content-length') contentLength = true;
    if (SKIP_HEADERS.has(lower)) continue;
    const key = headerVar(lower);
    // A repeated header is one variable, its values joined (RFC 3875 4.1.18).
    let i = 14;
    while (i < vars.length && vars[i] !== key) i += 2;
    if (i < vars.length) vars[i + 1] = `${vars[i + 1]}, ${value}`;
    else vars.push(key, value);
  }
  if (contentLength) vars.push('CONTENT_LENGTH', String(req.body.length));
  return new EnvList(fixed.block, fixed.plain ? vars : withoutConfigured(vars, configEnv));
}

/** The variables the function's env does not set (its value wins: it is in the fixed block). */
function withoutConfigured(vars: string[], configEnv: Record<string, string>): string[] {
  const out: string[] = [];
  for (let i = 0; i < vars.length; i += 2) if (!Object.hasOwn(configEnv, vars[i]!)) out.push(vars[i]!, vars[i + 1]!);
  return out;
}

export class CgiParseError extends Error {}

/** Where the header block ends: the index of the LF that starts the blank line, and of the
 *  body's first byte (-1, -1 without a blank line). */
function headerEnd(out: Uint8Array): [end: number, next: number] {
  for (let i = 0; i < out.length; i++) {
    if (out[i] !== 0x0a) continue;
    if (out[i + 1] === 0x0a) return [i, i + 2];
    if (out[i + 1] === 0x0d && out[i + 2] === 0x0a) return [i, i + 3];
  }
  return [-1, -1];
}

/** A parsed header block; shared by every response that sent the same bytes (read only). */
interface Head {
  bytes: Uint8Array;
  status: number;
  headers: readonly (readonly [string, string])[];
}

/** The last few header blocks parsed: a function sends the same headers on nearly every
 *  response, and comparing ~60 bytes is cheaper than decoding and splitting them again. */
const recent: Head[] = [];
const RECENT = 8;
/** Larger header blocks are parsed each time (and not kept). */
const RECENT_BYTES = 1024;

function sameBytes(a: Uint8Array, b: Uint8Array, n: number): boolean {
  if (a.length !== n) return false;
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function parseCgiResponse(out: Uint8Array): InvokeResponse {
  const [end, next] = headerEnd(out);
  if (end < 0) {
    throw new CgiParseError(
      "the function's stdout is not a CGI response: expected header lines (e.g. 'Content-Type: text/plain'), a blank line, then the body",
    );
  }
  let head: Head | undefined;
  for (let i = 0; i < recent.length; i++) {
    if (sameBytes(recent[i]!.bytes, out, end)) {
      head = recent[i]!;
      break;
    }
  }
  if (!head) {
    head = parseHead(out.slice(0, end));
    if (end <= RECENT_BYTES) {
      if (recent.length >= RECENT) recent.pop();
      recent.unshift(head);
    }
  }
  return { status: head.status, headers: head.headers as [string, string][], body: out.subarray(next) };
}

function parseHead(bytes: Uint8Array): Head {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
  const headers: (readonly [string, string])[] = [];
  let status: number | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new CgiParseError(`invalid CGI header line: ${JSON.stringify(line.slice(0, 80))}`);
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === 'status') {
      const code = Number.parseInt(value, 10);
      if (!(code >= 100 && code <= 999)) throw new CgiParseError(`invalid CGI Status: ${JSON.stringify(value)}`);
      status = code;
    } else {
      headers.push(Object.freeze([name, value] as const));
    }
  }
  // RFC 3875 6.3.2: a Location without a Status is a redirect.
  status ??= headers.some(([n]) => n.toLowerCase() === 'location') ? 302 : 200;
  return { bytes, status, headers: Object.freeze(headers) };
}
