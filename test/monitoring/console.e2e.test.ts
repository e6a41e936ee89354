// The console end to end in headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core): sign in, create a JS function, edit and deploy it, run a test invocation,
// see the response, the log and the metric chart; a screenshot goes to test-output/.

import { mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WispClient } from '../../cli/client.js';
import { startTestHost, type TestHost } from '../helpers/host.js';
import { ROOT } from '../helpers/paths.js';

const CHROMIUM = process.env.WISP_CHROMIUM ?? '/usr/bin/chromium';
const OUT = join(ROOT, 'test-output');

let host: TestHost;
let profile: string;
let browser: BrowserContext;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  host = await startTestHost();
  profile = await mkdtemp(join(tmpdir(), 'wisp-chromium-'));
  // A persistent context on a fresh temp dir: Chromium gets exactly this --user-data-dir.
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 1000 },
  });
  page = browser.pages()[0] ?? (await browser.newPage());
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') pageErrors.push(m.text());
  });
});

afterAll(async () => {
  await browser?.close();
  await host?.close();
  if (profile) await rm(profile, { recursive: true, force: true });
});

describe('the console in a browser', () => {
  it('serves the page and its assets with a strict CSP', async () => {
    const r = await host.get('/console');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/html/);
    expect(r.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect((await host.get('/console/app.js')).headers.get('content-type')).toMatch(/^text\/javascript/);
  });

  it('refuses a wrong secret', async () => {
    await page.goto(`${host.url}/console`);
    await page.fill('#access-key', 'test');
    await page.fill('#secret-key', 'wrong');
    await page.click('#sign-in');
    await expect.poll(() => page.textContent('#login-error')).toMatch(/InvalidSignatureException/);
    pageErrors.length = 0; // the browser logs the 403 it was meant to get
  });

  it('creates a JS function, deploys it, invokes it and shows the response, log and chart', async () => {
    await page.fill('#access-key', 'test');
    await page.fill('#secret-key', 'test');
    await page.click('#sign-in');
    await page.waitForSelector('#functions tr[data-function="hello-c"]');

    await page.click('#new-function');
    await page.waitForSelector('#create-form');
    await page.fill('#f-name', 'console-fn');
    await page.selectOption('#f-runtime', 'js');
    await page.fill('#f-description', 'made in the browser');
    await page.fill('#f-env', 'GREETING=Hi');
    await page.fill(
      '#f-code',
      `addEventListener('fetch', (event) => event.respondWith((async () => {
  const input = JSON.parse((await event.request.text()) || '{}');
  console.log('v1 got ' + input.name);
  return new Response(JSON.stringify({ v: 1, hello: input.name }), { headers: { 'content-type': 'application/json' } });
})()));
`,
    );
    await page.click('#f-create');
    await page.waitForSelector('#function-name', { timeout: 120_000 });
    expect(await page.textContent('#function-name')).toBe('console-fn');
    expect(await page.textContent('#function-config')).toContain('made in the browser');

    // Edit the code in the browser and deploy it.
    const code = await page.inputValue('#code');
    expect(code).toContain("console.log('v1 got '");
    await page.fill('#code', code.replace(/v1 got /, 'v2 got ').replace('v: 1', 'v: 2'));
    await page.click('#deploy');
    await expect.poll(() => page.textContent('#deploy-status'), { timeout: 120_000 }).toMatch(/^Deployed: /);

    // A test invocation with a JSON payload.
    await page.fill('#payload', '{"name": "browser"}');
    await page.click('#invoke');
    await expect.poll(() => page.textContent('#invoke-status'), { timeout: 60_000 }).toMatch(/^Succeeded/);
    expect(JSON.parse((await page.textContent('#invoke-response'))!)).toEqual({ v: 2, hello: 'browser' });
    const tail = (await page.textContent('#invoke-logs'))!;
    expect(tail).toContain('v2 got browser');
    expect(tail).toMatch(/REPORT RequestId: [0-9a-f-]{36}/);

    // The function's log panel and the metric chart follow the invocation.
    await expect.poll(() => page.textContent('#logs')).toContain('v2 got browser');
    await page.waitForSelector('#chart-Invocations[data-total="1"] rect.bar');
    expect(await page.getAttribute('#chart-Duration', 'data-points')).toBe('1');

    // Publish a version.
    await page.fill('#publish-description', 'first');
    await page.click('#publish');
    await expect.poll(() => page.textContent('#deploy-status')).toBe('Published version 1');
    await expect.poll(() => page.textContent('#versions')).toContain('first');

    mkdirSync(OUT, { recursive: true });
    await page.screenshot({ path: join(OUT, 'console.png'), fullPage: true });

    // What the browser did is what the API has.
    const api = new WispClient({ endpoint: host.url });
    const cfg = await api.call('GET', '/2015-03-31/functions/console-fn/configuration');
    expect(cfg).toMatchObject({ Runtime: 'js', Description: 'made in the browser', Environment: { Variables: { GREETING: 'Hi' } } });
    const src = await api.call('GET', '/wisp/v1/console/sources/console-fn');
    expect(src.source).toContain('v2 got ');
    expect(pageErrors).toEqual([]);
  }, 300_000);

  it('shows alarm states', async () => {
    const api = new WispClient({ endpoint: host.url });
    await api.call('PUT', '/wisp/v1/alarms/console-fn-errors', { functionName: 'console-fn', metric: 'Errors', threshold: 1 });
    await page.goto(`${host.url}/console#/`);
    await page.waitForSelector('#alarms tr[data-alarm="console-fn-errors"] .state');
    expect(await page.textContent('#alarms tr[data-alarm="console-fn-errors"] .state')).toMatch(/^(OK|ALARM|INSUFFICIENT_DATA)$/);
    await page.screenshot({ path: join(OUT, 'console-home.png'), fullPage: true });
  });
});
