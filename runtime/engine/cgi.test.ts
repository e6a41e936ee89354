// CGI/1.1 (RFC 3875) as Wisp speaks it to command functions: the request as meta-variables,
// the answer parsed from stdout. parseCgiResponse keeps the last few header blocks it parsed
// (a function sends the same ones nearly every time): a kept block must never answer for
// different bytes.
import { describe, expect, it } from 'vitest';
import { invokeRequest } from '../../test/helpers/request.js';
import { CgiParseError, cgiEnvironment, parseCgiResponse } from './cgi.js';

const enc = new TextEncoder();
const dec = new TextDecoder();
const parse = (s: string) => parseCgiResponse(enc.encode(s));

describe('parseCgiResponse', () => {
  it('reads Status, header lines (CRLF or LF) and the body', () => {
    const r = parse('Status: 201 Created\r\nContent-Type: text/plain\r\nX-A:  1 \r\n\r\nbody\r\n');
    expect(r.status).toBe(201);
    expect(r.headers).toEqual([
      ['Content-Type', 'text/plain'],
      ['X-A', '1'],
    ]);
    expect(dec.decode(r.body)).toBe('body\r\n');
    const lf = parse('content-type: a/b\n\nx');
    expect([lf.status, lf.headers, dec.decode(lf.body)]).toEqual([200, [['content-type', 'a/b']], 'x']);
  });

  it('makes a Location without Status a redirect', () => {
    expect(parse('Location: /there\r\n\r\n').status).toBe(302);
    expect(parse('Status: 301\r\nLocation: /there\r\n\r\n').status).toBe(301);
  });

  it('refuses output that is not CGI', () => {
    expect(() => parse('hello world')).toThrow(CgiParseError);
    expect(() => parse('no colon here\r\n\r\nx')).toThrow(/invalid CGI header line/);
    expect(() => parse('Status: abc\r\n\r\n')).toThrow(/invalid CGI Status/);
    expect(() => parse('Status: 42\r\n\r\n')).toThrow(/invalid CGI Status/);
  });

  it('answers repeated header blocks alike, and never with another block’s values', () => {
    const heads = ['Status: 200 OK\r\nContent-Type: text/plain\r\n', 'Status: 404 OK\r\nContent-Type: text/plain\r\n', 'Status: 200 OK\r\nContent-Type: text/plaim\r\n'];
    // More distinct blocks than are kept, twice round, with different bodies.
    const all = [...heads, ...Array.from({ length: 10 }, (_, i) => `X-N: ${i}\r\n`)];
    for (let round = 0; round < 2; round++) {
      for (const [i, h] of all.entries()) {
        const r = parse(`${h}\r\nbody ${round} ${i}`);
        expect(dec.decode(r.body)).toBe(`body ${round} ${i}`);
        if (i < 3) expect([r.status, r.headers]).toEqual([i === 1 ? 404 : 200, [['Content-Type', i === 2 ? 'text/plaim' : 'text/plain']]]);
        else expect([r.status, r.headers]).toEqual([200, [['X-N', String(i - 3)]]]);
      }
    }
    // A body is the caller's own bytes; the shared header list cannot be changed by a caller.
    const out = enc.encode('A: b\r\n\r\nxyz');
    const r = parseCgiResponse(out);
    out[out.length - 1] = 0x21;
    expect(dec.decode(r.body)).toBe('xy!');
    expect(() => r.headers.push(['C', 'd'])).toThrow(TypeError);
  });

  it('parses long header blocks too (not kept)', () => {
    const long = `X-Long: ${'v'.repeat(5000)}\r\n`;
    for (let i = 0; i < 2; i++) expect(parse(`${long}\r\nok`).headers).toEqual([['X-Long', 'v'.repeat(5000)]]);
  });
});

describe('cgiEnvironment', () => {
  it('gives the request as meta-variables, headers as HTTP_*, the config env last and winning', () => {
    const req = invokeRequest('a=1', {
      method: 'POST',
      path: '/x/y',
      authority: 'example.com:8080',
      headers: [
        ['host', 'example.com:8080'],
        ['content-type', 'text/plain'],
        ['content-length', '3'],
        ['x-multi', 'a'],
        ['x-multi', 'b'],
        ['proxy', 'evil'],
      ],
      body: enc.encode('abc'),
    });
    const env = cgiEnvironment('fn', req, { QUERY_STRING: 'from-config', GREETING: 'hi' }).toRecord();
    expect(env).toMatchObject({
      GATEWAY_INTERFACE: 'CGI/1.1',
      SERVER_PROTOCOL: 'HTTP/1.1',
      SERVER_NAME: 'example.com',
      SERVER_PORT: '8080',
      REQUEST_METHOD: 'POST',
      SCRIPT_NAME: '/fn/fn',
      PATH_INFO: '/x/y',
      QUERY_STRING: 'from-config',
      REMOTE_ADDR: '127.0.0.1',
      REQUEST_ID: 'req-1',
      CONTENT_TYPE: 'text/plain',
      CONTENT_LENGTH: '3',
      HTTP_HOST: 'example.com:8080',
      HTTP_X_MULTI: 'a, b',
      GREETING: 'hi',
    });
    expect(env).not.toHaveProperty('HTTP_PROXY');
    expect(env).not.toHaveProperty('HTTP_CONTENT_TYPE');
  });

  it('lays the fixed part out first, encoded once per function and its env, as environ_get writes it', () => {
    const req = invokeRequest('q=1', { headers: [['host', 'h'], ['x-a', 'é']] });
    const run = (fn: string, env: Record<string, string>) => {
      const list = cgiEnvironment(fn, req, env);
      // What a guest reads: environ_sizes_get's count and size, environ_get's strings.
      const memory = new Uint8Array(4096);
      const dv = new DataView(memory.buffer);
      list.write(memory, dv, 0, 1024);
      const strings = Array.from({ length: list.count }, (_, i) => {
        const at = dv.getUint32(i * 4, true);
        return dec.decode(memory.subarray(at, memory.indexOf(0, at)));
      });
      expect(memory[1024 + list.size() - 1]).toBe(0);
      expect(list.size()).toBe(enc.encode(strings.join('\0') + '\0').length);
      return strings;
    };
    const a = run('fa', { GREETING: 'hi', SERVER_SOFTWARE: 'mine' });
    expect(a.slice(0, 5)).toEqual(['GATEWAY_INTERFACE=CGI/1.1', 'SERVER_PROTOCOL=HTTP/1.1', 'SCRIPT_NAME=/fn/fa', 'GREETING=hi', 'SERVER_SOFTWARE=mine']);
    expect(a).toContain('HTTP_X_A=é');
    expect(a).toContain('QUERY_STRING=q=1');
    expect(a.filter((e) => e.startsWith('SERVER_SOFTWARE='))).toEqual(['SERVER_SOFTWARE=mine']);
    // The same function with another env (an update), and another function: never a stale block.
    expect(run('fa', { GREETING: 'yo' }).slice(0, 5)).toEqual(['GATEWAY_INTERFACE=CGI/1.1', 'SERVER_PROTOCOL=HTTP/1.1', 'SERVER_SOFTWARE=wisp', 'SCRIPT_NAME=/fn/fa', 'GREETING=yo']);
    expect(run('fa', { GREETING: 'yo', MORE: '1' })).toContain('MORE=1');
    expect(run('fa', {})).not.toContain('MORE=1');
    expect(run('fb', { GREETING: 'yo' })).toContain('SCRIPT_NAME=/fn/fb');
    expect(run('fa', { GREETING: 'hi', SERVER_SOFTWARE: 'mine' })).toEqual(a);
    // The configured order is the guest's: a reordered env is a new block.
    expect(run('fa', { SERVER_SOFTWARE: 'mine', GREETING: 'hi' }).slice(3, 5)).toEqual(['SERVER_SOFTWARE=mine', 'GREETING=hi']);
  });
});
