// The web console at /console: static files only (plain HTML + one vanilla JS file). The page
// asks for an access key and secret (the API's keys) and signs every API call in the browser with
// SigV4 (WebCrypto HMAC-SHA256), so the host keeps no sessions and the console is just another
// API client: the Lambda API for functions, /wisp/v1 for logs, metrics and alarms.

import { existsSync, readFileSync } from 'node:fs';
import { fromRoot } from '../package-root.js';
import type { Context, Hono } from 'hono';
import type { Env } from '../http/app.js';

const FILES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'sigv4.js': 'text/javascript; charset=utf-8',
  'zip.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
};

/** The console's files stay in the source tree (dist/ and the bundles hold only code). */
export function staticDir(): string {
  const dir = `${fromRoot('runtime', 'console', 'static')}/`;
  if (!existsSync(`${dir}index.html`)) throw new Error(`wisp: console assets not found in ${dir}`);
  return dir;
}

/** A strict CSP: the console runs only its own script and talks only to its own origin. */
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

export function mountConsole(app: Hono<Env>): void {
  const dir = staticDir();
  const cache = new Map<string, Buffer>();
  const read = (f: string) => {
    // Read per request while developing would be handy; files are small, so cache once.
    let b = cache.get(f);
    if (!b) cache.set(f, (b = readFileSync(dir + f)));
    return b;
  };
  const serve = (file: string) => (c: Context<Env>) =>
    c.body(new Uint8Array(read(file)), 200, {
      'content-type': FILES[file]!,
      'content-security-policy': CSP,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-cache',
    });
  app.get('/console', serve('index.html'));
  app.get('/console/', serve('index.html'));
  for (const f of Object.keys(FILES)) if (f !== 'index.html') app.get(`/console/${f}`, serve(f));
}
