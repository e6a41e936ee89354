// wasi:http/types for the incoming-handler world: the host builds an IncomingRequest from a
// fully buffered request, the guest fills a ResponseOutparam, and the host reads the result
// back after `handle` returns. Outgoing requests are denied (no network unless granted).

import { InputStream, OutputStream, Pollable } from './io.js';
import type { WasiContext } from './context.js';
import type { ByteSink } from './sink.js';

export type Method =
  | { tag: 'get' | 'head' | 'post' | 'put' | 'delete' | 'connect' | 'options' | 'trace' | 'patch' }
  | { tag: 'other'; val: string };
export type Scheme = { tag: 'HTTP' | 'HTTPS' } | { tag: 'other'; val: string };
export type ErrorCode = { tag: string; val?: unknown };
type Result<T, E> = { tag: 'ok'; val: T } | { tag: 'err'; val: E };

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const STANDARD_METHODS = new Set(['get', 'head', 'post', 'put', 'delete', 'connect', 'options', 'trace', 'patch']);

export function toWasiMethod(method: string): Method {
  const lower = method.toLowerCase();
  return STANDARD_METHODS.has(lower) && method === method.toUpperCase()
    ? ({ tag: lower } as Method)
    : { tag: 'other', val: method };
}

// A header-error is a plain variant payload, thrown so the glue returns it as `err`.
const invalidSyntax = () => ({ tag: 'invalid-syntax' as const });
const immutable = () => ({ tag: 'immutable' as const });

export class Fields {
  private list: [string, Uint8Array][] = [];
  private frozen = false;

  static fromList(entries: [string, Uint8Array][]): Fields {
    const f = new Fields();
    for (const [name, value] of entries) f.append(name, value);
    return f;
  }
  /** Host side: headers of a request, or handed to a response, may no longer change. */
  static frozenFrom(entries: [string, Uint8Array][]): Fields {
    const f = new Fields();
    f.list = entries.map(([n, v]) => [n.toLowerCase(), v]);
    f.frozen = true;
    return f;
  }
  get(name: string): Uint8Array[] {
    const key = name.toLowerCase();
    return this.list.filter(([n]) => n === key).map(([, v]) => v);
  }
  has(name: string): boolean {
    const key = name.toLowerCase();
    return this.list.some(([n]) => n === key);
  }
  set(name: string, values: Uint8Array[]): void {
    this.mutable(name);
    const key = name.toLowerCase();
    this.list = this.list.filter(([n]) => n !== key).concat(values.map((v) => [key, v.slice()]));
  }
  delete(name: string): void {
    this.mutable(name);
    const key = name.toLowerCase();
    this.list = this.list.filter(([n]) => n !== key);
  }
  append(name: string, value: Uint8Array): void {
    this.mutable(name);
    this.list.push([name.toLowerCase(), value.slice()]);
  }
  entries(): [string, Uint8Array][] {
    return this.list.map(([n, v]) => [n, v]);
  }
  clone(): Fields {
    const f = new Fields();
    f.list = this.entries();
    return f;
  }
  private mutable(name: string): void {
    if (this.frozen) throw immutable();
    if (!TOKEN.test(name)) throw invalidSyntax();
  }
}

export interface BufferedRequest {
  method: string;
  pathWithQuery: string;
  scheme: 'http' | 'https';
  authority: string;
  headers: [string, Uint8Array][];
  body: Uint8Array;
}

export class IncomingRequest {
  private consumed = false;
  private readonly fields: Fields;
  constructor(private readonly req: BufferedRequest) {
    this.fields = Fields.frozenFrom(req.headers);
  }
  method(): Method {
    return toWasiMethod(this.req.method);
  }
  pathWithQuery(): string | undefined {
    return this.req.pathWithQuery;
  }
  scheme(): Scheme {
    return { tag: this.req.scheme === 'https' ? 'HTTPS' : 'HTTP' };
  }
  authority(): string | undefined {
    return this.req.authority;
  }
  headers(): Fields {
    return this.fields;
  }
  consume(): IncomingBody {
    if (this.consumed) throw {};
    this.consumed = true;
    return new IncomingBody(this.req.body);
  }
}

export class FutureTrailers {
  subscribe(): Pollable {
    return new Pollable();
  }
  get(): Result<Result<Fields | undefined, ErrorCode>, void> {
    return { tag: 'ok', val: { tag: 'ok', val: undefined } };
  }
}

export class IncomingBody {
  private streamed = false;
  constructor(private readonly data: Uint8Array) {}
  stream(): InputStream {
    if (this.streamed) throw {};
    this.streamed = true;
    return new InputStream(this.data);
  }
  static finish(_body: IncomingBody): FutureTrailers {
    return new FutureTrailers();
  }
}

export class OutgoingBody {
  private stream: OutputStream | undefined;
  finished = false;
  constructor(readonly sink: Pick<ByteSink, 'push'>) {}
  write(): OutputStream {
    if (this.stream) throw {};
    this.stream = new OutputStream((b) => this.sink.push(b));
    return this.stream;
  }
  static finish(body: OutgoingBody, _trailers: Fields | undefined): void {
    body.finished = true;
    body.stream?.close();
  }
}

export class OutgoingResponse {
  private status = 200;
  private bodyTaken = false;
  readonly sink: ByteSink;
  constructor(
    private readonly fields: Fields,
    sink: ByteSink,
  ) {
    this.sink = sink;
  }
  statusCode(): number {
    return this.status;
  }
  setStatusCode(code: number): void {
    if (!Number.isInteger(code) || code < 100 || code > 999) throw {};
    this.status = code;
  }
  headers(): Fields {
    return this.fields;
  }
  body(): OutgoingBody {
    if (this.bodyTaken) throw {};
    this.bodyTaken = true;
    return new OutgoingBody(this.sink);
  }
}

/** What the guest answered: read by the host after `handle` returns. */
export class ResponseOutparam {
  response: Result<OutgoingResponse, ErrorCode> | undefined;
  static set(param: ResponseOutparam, response: Result<OutgoingResponse, ErrorCode>): void {
    param.response = response;
  }
}

// --- Outgoing side: the types exist so guests link; sending is denied. ---

export class OutgoingRequest {
  private m: Method = { tag: 'get' };
  private path: string | undefined;
  private sch: Scheme | undefined;
  private auth: string | undefined;
  private readonly sink = new NullSink();
  constructor(private readonly fields: Fields) {}
  body(): OutgoingBody {
    return new OutgoingBody(this.sink);
  }
  method(): Method {
    return this.m;
  }
  setMethod(m: Method): void {
    this.m = m;
  }
  pathWithQuery(): string | undefined {
    return this.path;
  }
  setPathWithQuery(p: string | undefined): void {
    this.path = p;
  }
  scheme(): Scheme | undefined {
    return this.sch;
  }
  setScheme(s: Scheme | undefined): void {
    this.sch = s;
  }
  authority(): string | undefined {
    return this.auth;
  }
  setAuthority(a: string | undefined): void {
    this.auth = a;
  }
  headers(): Fields {
    return this.fields;
  }
}

/** Outgoing request bodies go nowhere: sending is denied anyway. */
class NullSink {
  push(): boolean {
    return false;
  }
}

export class RequestOptions {
  private t: (bigint | undefined)[] = [undefined, undefined, undefined];
  connectTimeout = () => this.t[0];
  setConnectTimeout = (d: bigint | undefined) => void (this.t[0] = d);
  firstByteTimeout = () => this.t[1];
  setFirstByteTimeout = (d: bigint | undefined) => void (this.t[1] = d);
  betweenBytesTimeout = () => this.t[2];
  setBetweenBytesTimeout = (d: bigint | undefined) => void (this.t[2] = d);
}

export class IncomingResponse {}
export class FutureIncomingResponse {}

/** `responseLimit` caps the body a guest may write (the function's response size cap). */
export function httpImports(ctx: WasiContext, responseLimit: number): Record<string, object> {
  // The guest constructs responses through the imported class: bind the cap to it.
  class LimitedResponse extends OutgoingResponse {
    constructor(fields: Fields) {
      super(fields, ctx.responseSink(responseLimit));
    }
  }
  return {
    'wasi:http/types': {
      Fields,
      IncomingRequest,
      IncomingBody,
      FutureTrailers,
      OutgoingResponse: LimitedResponse,
      OutgoingBody,
      ResponseOutparam,
      OutgoingRequest,
      RequestOptions,
      IncomingResponse,
      FutureIncomingResponse,
      httpErrorCode: () => undefined,
    },
    'wasi:http/outgoing-handler': {
      handle: (): never => {
        throw { tag: 'HTTP-request-denied' } satisfies ErrorCode;
      },
    },
  };
}
