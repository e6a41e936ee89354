// A small client of Wisp's API (the Lambda subset and /wisp/v1), SigV4-signed like the aws CLI.

import { signSigV4 } from '../runtime/api/sigv4.js';

export interface ClientOptions {
  endpoint: string;
  accessKey?: string;
  secret?: string;
}

export class ApiClientError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(`${type}: ${message}`);
  }
}

export interface RawResponse {
  status: number;
  headers: Headers;
  body: Uint8Array;
}

export class WispClient {
  readonly endpoint: string;
  private readonly creds: { accessKey: string; secret: string };

  constructor(opts: ClientOptions) {
    this.endpoint = opts.endpoint.replace(/\/$/, '');
    this.creds = {
      accessKey: opts.accessKey ?? process.env.AWS_ACCESS_KEY_ID ?? 'test',
      secret: opts.secret ?? process.env.AWS_SECRET_ACCESS_KEY ?? 'test',
    };
  }

  async raw(method: string, path: string, body?: Uint8Array | string | object, headers: Record<string, string> = {}): Promise<RawResponse> {
    const url = new URL(this.endpoint + path);
    const bytes =
      body === undefined ? new Uint8Array(0) : body instanceof Uint8Array ? body : new TextEncoder().encode(typeof body === 'string' ? body : JSON.stringify(body));
    const h: Record<string, string> = { ...headers };
    if (body !== undefined && !h['content-type']) h['content-type'] = 'application/json';
    const signed = signSigV4({ method, url, headers: h, body: bytes }, this.creds);
    const res = await fetch(url, { method, headers: signed, body: bytes.length > 0 ? (bytes as Uint8Array<ArrayBuffer>) : undefined });
    return { status: res.status, headers: res.headers, body: new Uint8Array(await res.arrayBuffer()) };
  }

  async call<T = any>(method: string, path: string, body?: object): Promise<T> {
    const r = await this.raw(method, path, body);
    const text = new TextDecoder().decode(r.body);
    if (r.status >= 400) {
      let message = text;
      try {
        message = (JSON.parse(text) as { message?: string }).message ?? text;
      } catch {
        /* not JSON */
      }
      throw new ApiClientError(r.status, r.headers.get('x-amzn-errortype') ?? `HTTP ${r.status}`, message);
    }
    return (text ? JSON.parse(text) : {}) as T;
  }
}
