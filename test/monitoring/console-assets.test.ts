// The console's browser modules run in Node too (WebCrypto, TextEncoder): its SigV4 signatures
// must verify with the host's verifier, and its zips must unzip.

import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { verifySigV4 } from '../../runtime/api/sigv4.js';
// @ts-ignore: plain browser JS without types
import { signRequest } from '../../runtime/console/static/sigv4.js';
// @ts-ignore: plain browser JS without types
import { zipStore, crc32, base64 } from '../../runtime/console/static/zip.js';

describe('console sigv4.js', () => {
  const cases = [
    { method: 'GET', url: 'http://127.0.0.1:8080/2015-03-31/functions?MaxItems=1000', body: '' },
    { method: 'POST', url: 'http://127.0.0.1:8080/2015-03-31/functions/hello-c/invocations?Qualifier=%24LATEST', body: '{"a":1}' },
    { method: 'GET', url: 'http://localhost:9/wisp/v1/metrics/Errors?function=x&start=1&period=60', body: '' },
  ];
  for (const c of cases) {
    it(`signs ${c.method} ${c.url}`, async () => {
      const body = new TextEncoder().encode(c.body);
      const extra = c.body ? { 'content-type': 'application/json', 'x-amz-log-type': 'Tail' } : {};
      const headers = await signRequest({ method: c.method, url: c.url, headers: extra, body, accessKey: 'AK', secret: 's3cret' });
      const u = new URL(c.url);
      const h = new Headers({ ...headers, host: u.host });
      const ok = verifySigV4({ method: c.method, rawPath: u.pathname, rawQuery: u.search.slice(1), headers: h, body }, (k) => (k === 'AK' ? 's3cret' : undefined));
      expect(ok).toEqual({ ok: true, accessKey: 'AK' });
      const bad = verifySigV4({ method: c.method, rawPath: u.pathname, rawQuery: u.search.slice(1), headers: h, body }, () => 'other');
      expect(bad.ok).toBe(false);
    });
  }
});

describe('console zip.js', () => {
  it('writes a store-only zip that unzips', () => {
    const zip = zipStore([
      { name: 'index.js', data: 'console.log("hé");\n' },
      { name: 'lib/data.bin', data: new Uint8Array([0, 1, 2, 255]) },
    ]);
    const files = unzipSync(zip);
    expect(new TextDecoder().decode(files['index.js'])).toBe('console.log("hé");\n');
    expect([...files['lib/data.bin']!]).toEqual([0, 1, 2, 255]);
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(base64(new Uint8Array([104, 105]))).toBe('aGk=');
  });
});
