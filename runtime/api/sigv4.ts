// AWS Signature Version 4 verification (the scheme the aws CLI, boto3 and every SDK sign
// requests with). https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html

import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export interface SignedRequest {
  method: string;
  /** The path exactly as sent (still percent-encoded). */
  rawPath: string;
  /** The query string exactly as sent, without '?'. */
  rawQuery: string;
  headers: Headers;
  body: Uint8Array;
}

export type VerifyResult = { ok: true; accessKey: string } | { ok: false; reason: string };

const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();
const sha256hex = (data: Uint8Array | string) => createHash('sha256').update(data).digest('hex');

/** RFC 3986 encoding as SigV4 wants it: everything but unreserved characters. */
function uriEncode(s: string, keepSlash: boolean): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const ch = String.fromCharCode(b);
    if (/[A-Za-z0-9\-._~]/.test(ch) || (keepSlash && ch === '/')) out += ch;
    else out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, '%20'));
  } catch {
    return s;
  }
}

// Services other than S3 sign the path encoded twice: botocore quotes the already-encoded path.
const canonicalUri = (rawPath: string) => uriEncode(rawPath || '/', true);

function canonicalQuery(rawQuery: string): string {
  if (!rawQuery) return '';
  return rawQuery
    .split('&')
    .filter(Boolean)
    .map((kv) => {
      const i = kv.indexOf('=');
      const [k, v] = i < 0 ? [kv, ''] : [kv.slice(0, i), kv.slice(i + 1)];
      return [uriEncode(safeDecode(k), false), uriEncode(safeDecode(v), false)] as const;
    })
    .sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

/** Allowed clock skew between client and host, as AWS allows. */
const MAX_SKEW_MS = 15 * 60 * 1000;

export function verifySigV4(req: SignedRequest, secretOf: (accessKey: string) => string | undefined, now = Date.now()): VerifyResult {
  const auth = req.headers.get('authorization');
  if (!auth) return { ok: false, reason: 'Missing Authentication Token' };
  const m = /^AWS4-HMAC-SHA256\s+Credential=([^,]+),\s*SignedHeaders=([^,]+),\s*Signature=([0-9a-f]{64})\s*$/.exec(auth);
  if (!m) return { ok: false, reason: 'Authorization header is not a valid AWS4-HMAC-SHA256 signature' };
  const [, credential, signedHeaders, signature] = m as unknown as [string, string, string, string];
  const [accessKey, date, region, service, terminator] = credential.split('/');
  if (!accessKey || !date || !region || !service || terminator !== 'aws4_request') return { ok: false, reason: 'malformed credential scope' };
  const secret = secretOf(accessKey);
  if (secret === undefined) return { ok: false, reason: 'The security token included in the request is invalid' };

  const amzDate = req.headers.get('x-amz-date') ?? '';
  const t = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (!t || !amzDate.startsWith(date)) return { ok: false, reason: 'missing or invalid X-Amz-Date' };
  const when = Date.UTC(+t[1]!, +t[2]! - 1, +t[3]!, +t[4]!, +t[5]!, +t[6]!);
  if (Math.abs(now - when) > MAX_SKEW_MS) return { ok: false, reason: 'Signature expired: the request time is too far from the server time' };

  const names = signedHeaders.split(';');
  if (!names.includes('host')) return { ok: false, reason: 'the host header must be signed' };
  const canonicalHeaders = names.map((n) => `${n}:${(req.headers.get(n) ?? '').trim().replace(/\s+/g, ' ')}\n`).join('');
  const payloadHash = req.headers.get('x-amz-content-sha256') ?? sha256hex(req.body);
  if (payloadHash !== 'UNSIGNED-PAYLOAD' && payloadHash !== sha256hex(req.body)) return { ok: false, reason: 'payload hash does not match the body' };
  const canonical = [req.method, canonicalUri(req.rawPath), canonicalQuery(req.rawQuery), canonicalHeaders, signedHeaders, payloadHash].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256hex(canonical)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
  const expected = hmac(key, toSign);
  const given = Buffer.from(signature, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'The request signature we calculated does not match the signature you provided' };
  }
  return { ok: true, accessKey };
}

/** Sign a request (Wisp's own CLI and tests use it; same algorithm as verify). */
export function signSigV4(
  req: { method: string; url: URL; headers: Record<string, string>; body: Uint8Array },
  creds: { accessKey: string; secret: string; region?: string; service?: string },
  now = new Date(),
): Record<string, string> {
  const amzDate = now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const date = amzDate.slice(0, 8);
  const region = creds.region ?? 'us-east-1';
  const service = creds.service ?? 'lambda';
  const headers: Record<string, string> = { ...req.headers, host: req.url.host, 'x-amz-date': amzDate };
  const names = Object.keys(headers).map((n) => n.toLowerCase()).sort();
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  const payloadHash = sha256hex(req.body);
  const canonical = [
    req.method,
    canonicalUri(req.url.pathname),
    canonicalQuery(req.url.search.slice(1)),
    names.map((n) => `${n}:${String(lower[n]).trim()}\n`).join(''),
    names.join(';'),
    payloadHash,
  ].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256hex(canonical)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${creds.secret}`, date), region), service), 'aws4_request');
  const sig = hmac(key, toSign).toString('hex');
  return {
    ...headers,
    authorization: `AWS4-HMAC-SHA256 Credential=${creds.accessKey}/${scope}, SignedHeaders=${names.join(';')}, Signature=${sig}`,
  };
}
