// The Wisp console: a small vanilla-JS client of the host's API. Every call is SigV4-signed in
// the browser with the key the user typed (kept in sessionStorage for this tab only). All text
// from the API reaches the page through textContent / attributes, never as HTML.

import { signRequest } from './sigv4.js';
import { base64, zipStore } from './zip.js';

const $ = (sel) => document.querySelector(sel);
const view = $('#view');

// ---------- DOM helpers ----------

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'value') el.value = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) if (c !== undefined && c !== null && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

const SVG = 'http://www.w3.org/2000/svg';
function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children) el.append(c instanceof Node ? c : String(c));
  return el;
}

// ---------- API ----------

const creds = () => JSON.parse(sessionStorage.getItem('wisp.creds') || 'null');

class ApiError extends Error {
  constructor(status, type, message) {
    super(message);
    this.status = status;
    this.type = type;
  }
}

/** A signed call; returns { status, headers, text, json }. Throws ApiError for 4xx/5xx. */
async function api(method, path, body, extraHeaders = {}) {
  const c = creds();
  if (!c) throw new ApiError(403, 'NotSignedIn', 'not signed in');
  const url = new URL(path, location.origin).href;
  const bytes = body === undefined ? new Uint8Array(0) : new TextEncoder().encode(typeof body === 'string' ? body : JSON.stringify(body));
  const headers = { ...extraHeaders };
  if (body !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
  const signed = await signRequest({ method, url, headers, body: bytes, accessKey: c.accessKey, secret: c.secret });
  const res = await fetch(url, { method, headers: signed, body: bytes.length ? bytes : undefined, cache: 'no-store' });
  const text = await res.text();
  let json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (res.status >= 400) {
    const type = res.headers.get('x-amzn-errortype') || (json && json.error && json.error.code) || `HTTP ${res.status}`;
    const message = (json && (json.message || (json.error && json.error.message))) || text || res.statusText;
    if (res.status === 403 && /Signature|Authentication|security token/i.test(type + message)) showLogin(`${type}: ${message}`);
    throw new ApiError(res.status, type, message);
  }
  return { status: res.status, headers: res.headers, text, json };
}

const enc = encodeURIComponent;
const fnPath = (name) => `/2015-03-31/functions/${enc(name)}`;

// ---------- routing ----------

let refreshTimer;
function route() {
  clearInterval(refreshTimer);
  if (!creds()) return showLogin();
  $('#login').hidden = true;
  view.hidden = false;
  $('#logout').hidden = false;
  $('#who').textContent = `signed in as ${creds().accessKey}`;
  const hash = location.hash || '#/';
  let m;
  if (hash === '#/new') return renderCreate();
  if ((m = /^#\/fn\/([^/]+)$/.exec(hash))) return renderFunction(decodeURIComponent(m[1]));
  return renderHome();
}

function showLogin(error) {
  view.hidden = true;
  $('#login').hidden = false;
  $('#logout').hidden = true;
  $('#who').textContent = '';
  $('#login-error').textContent = error || '';
}

$('#login-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const accessKey = $('#access-key').value.trim();
  const secret = $('#secret-key').value;
  sessionStorage.setItem('wisp.creds', JSON.stringify({ accessKey, secret }));
  try {
    await api('GET', '/2015-03-31/functions?MaxItems=1');
    $('#secret-key').value = '';
    route();
  } catch (err) {
    sessionStorage.removeItem('wisp.creds');
    showLogin(`${err.type || 'Error'}: ${err.message}`);
  }
});
$('#logout').addEventListener('click', () => {
  sessionStorage.removeItem('wisp.creds');
  showLogin();
});
window.addEventListener('hashchange', route);

function errorBox(err) {
  return h('p', { class: 'error' }, `${err.type || 'Error'}: ${err.message}`);
}

// ---------- home: functions and alarms ----------

async function renderHome() {
  view.replaceChildren(
    h('div', { class: 'row' }, h('h2', {}, 'Functions'), h('button', { id: 'new-function', type: 'button', onclick: () => (location.hash = '#/new') }, 'Create function')),
  );
  try {
    const [fns, alarms] = await Promise.all([api('GET', '/2015-03-31/functions?MaxItems=1000'), api('GET', '/wisp/v1/alarms')]);
    const rows = fns.json.Functions.map((f) =>
      h(
        'tr',
        { 'data-function': f.FunctionName },
        h('td', {}, h('a', { href: `#/fn/${enc(f.FunctionName)}` }, f.FunctionName)),
        h('td', {}, f.Runtime),
        h('td', {}, `${f.MemorySize} MB`),
        h('td', {}, `${f.Timeout} s`),
        h('td', {}, f.Description || ''),
        h('td', {}, f.LastModified || ''),
      ),
    );
    view.append(
      h('table', { id: 'functions' }, h('thead', {}, h('tr', {}, ['Name', 'Runtime', 'Memory', 'Timeout', 'Description', 'Last modified'].map((t) => h('th', {}, t)))), h('tbody', {}, rows)),
      h('h2', {}, 'Alarms'),
      alarmTable(alarms.json.alarms, () => renderHome()),
    );
  } catch (err) {
    view.append(errorBox(err));
  }
}

function alarmTable(alarms, onChange) {
  if (!alarms.length) return h('p', { class: 'muted', id: 'alarms' }, 'No alarms.');
  return h(
    'table',
    { id: 'alarms' },
    h('thead', {}, h('tr', {}, ['State', 'Name', 'Rule', 'Since', 'Reason', ''].map((t) => h('th', {}, t)))),
    h(
      'tbody',
      {},
      alarms.map((a) => {
        const hist = h('tr', { hidden: true }, h('td', { colspan: 6 }, h('pre', {}, '')));
        return [
          h(
            'tr',
            { 'data-alarm': a.name },
            h('td', {}, h('span', { class: `state ${a.state}` }, a.state)),
            h('td', {}, a.name),
            h('td', {}, `${a.statistic} ${a.metric}${a.functionName ? ` of ${a.functionName}${a.version ? ':' + a.version : ''}` : ''} ${a.comparison} ${a.threshold} for ${a.datapointsToAlarm}/${a.evaluationPeriods} x ${a.period}s`),
            h('td', {}, new Date(a.stateUpdatedAt).toLocaleTimeString()),
            h('td', { class: 'muted' }, a.stateReason),
            h(
              'td',
              {},
              h('button', {
                type: 'button',
                class: 'secondary',
                onclick: async () => {
                  hist.hidden = !hist.hidden;
                  if (hist.hidden) return;
                  const r = await api('GET', `/wisp/v1/alarms/${enc(a.name)}/history?limit=50`);
                  hist.querySelector('pre').textContent = r.json.history.map((x) => `${new Date(x.ts).toISOString()} ${x.type}: ${x.summary}`).join('\n');
                },
              }, 'History'),
              ' ',
              h('button', {
                type: 'button',
                class: 'danger',
                onclick: async () => {
                  if (!confirm(`Delete alarm ${a.name}?`)) return;
                  await api('DELETE', `/wisp/v1/alarms/${enc(a.name)}`);
                  onChange();
                },
              }, 'Delete'),
            ),
          ),
          hist,
        ];
      }),
    ),
  );
}

// ---------- create ----------

const TEMPLATES = {
  js: `// A fetch-event handler (wasi:http). The test payload arrives as a POST body.
addEventListener('fetch', (event) =>
  event.respondWith(
    (async () => {
      const text = await event.request.text();
      const input = text ? JSON.parse(text) : {};
      console.log('got', text);
      return new Response(JSON.stringify({ hello: input.name ?? 'world' }), {
        headers: { 'content-type': 'application/json' },
      });
    })(),
  ),
);
`,
  ts: `// A fetch-event handler (wasi:http), TypeScript (types are stripped, not checked).
interface Input { name?: string }

addEventListener('fetch', (event: any) =>
  event.respondWith(
    (async () => {
      const text: string = await event.request.text();
      const input: Input = text ? JSON.parse(text) : {};
      return new Response(JSON.stringify({ hello: input.name ?? 'world' }), {
        headers: { 'content-type': 'application/json' },
      });
    })(),
  ),
);
`,
};

const sourceFile = (runtime) => (runtime === 'ts' ? 'index.ts' : 'index.js');

function codeArea(id, value) {
  const ta = h('textarea', { id, class: 'code', spellcheck: 'false', value });
  ta.addEventListener('keydown', (e) => {
    if (e.key !== 'Tab') return;
    e.preventDefault();
    ta.setRangeText('  ', ta.selectionStart, ta.selectionEnd, 'end');
  });
  return ta;
}

function parseEnv(text) {
  const vars = {};
  for (const line of text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))) {
    const i = line.indexOf('=');
    if (i <= 0) throw new ApiError(400, 'InvalidEnvironment', `environment line ${JSON.stringify(line)} is not KEY=VALUE`);
    vars[line.slice(0, i).trim()] = line.slice(i + 1);
  }
  return vars;
}

function renderCreate() {
  const runtime = h('select', { id: 'f-runtime' }, h('option', { value: 'js' }, 'JavaScript (js)'), h('option', { value: 'ts' }, 'TypeScript (ts)'));
  const code = codeArea('f-code', TEMPLATES.js);
  runtime.addEventListener('change', () => {
    if (Object.values(TEMPLATES).includes(code.value)) code.value = TEMPLATES[runtime.value];
  });
  const status = h('p', { id: 'f-status' });
  const form = h(
    'form',
    { id: 'create-form', class: 'card' },
    h('h2', {}, 'Create function'),
    h(
      'div',
      { class: 'row' },
      h('label', {}, 'Name', h('input', { id: 'f-name', required: true, pattern: '[A-Za-z0-9_\\-]{1,64}', placeholder: 'my-function' })),
      h('label', {}, 'Language', runtime),
      h('label', {}, 'Memory (MB)', h('input', { id: 'f-memory', type: 'number', min: 128, max: 10240, value: 128 })),
      h('label', {}, 'Timeout (s)', h('input', { id: 'f-timeout', type: 'number', min: 1, max: 900, value: 3 })),
    ),
    h('label', {}, 'Description', h('input', { id: 'f-description' })),
    h('label', {}, 'Environment (KEY=VALUE per line)', h('textarea', { id: 'f-env', rows: 3 })),
    h('label', {}, 'Code', code),
    h('div', { class: 'row' }, h('button', { id: 'f-create', type: 'submit' }, 'Create and deploy'), h('a', { href: '#/' }, 'Cancel')),
    status,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const name = $('#f-name').value.trim();
    const rt = runtime.value;
    const btn = $('#f-create');
    btn.disabled = true;
    status.className = '';
    status.textContent = 'Building on the host (JS builds take a few seconds)...';
    try {
      const zip = zipStore([{ name: sourceFile(rt), data: code.value }]);
      await api('POST', '/2015-03-31/functions', {
        FunctionName: name,
        Runtime: rt,
        Handler: 'index.handler',
        Role: 'arn:aws:iam::000000000000:role/wisp-console',
        MemorySize: Number($('#f-memory').value),
        Timeout: Number($('#f-timeout').value),
        Description: $('#f-description').value,
        Environment: { Variables: parseEnv($('#f-env').value) },
        Code: { ZipFile: base64(zip) },
      });
      await api('PUT', `/wisp/v1/console/sources/${enc(name)}`, { filename: sourceFile(rt), source: code.value });
      location.hash = `#/fn/${enc(name)}`;
    } catch (err) {
      status.className = 'error';
      status.textContent = `${err.type || 'Error'}: ${err.message}`;
    } finally {
      btn.disabled = false;
    }
  });
  view.replaceChildren(form);
}

// ---------- one function ----------

async function renderFunction(name) {
  view.replaceChildren(h('p', { class: 'muted' }, `Loading ${name}...`));
  let fn;
  try {
    fn = (await api('GET', fnPath(name))).json;
  } catch (err) {
    return view.replaceChildren(errorBox(err), h('a', { href: '#/' }, 'Back'));
  }
  const cfg = fn.Configuration;
  const editable = cfg.Runtime === 'js' || cfg.Runtime === 'ts';
  let source = '';
  if (editable) {
    try {
      source = (await api('GET', `/wisp/v1/console/sources/${enc(name)}`)).json.source;
    } catch {
      source = TEMPLATES[cfg.Runtime];
    }
  }

  // -- code --
  const code = codeArea('code', source);
  const deployStatus = h('p', { id: 'deploy-status' });
  const deploy = h('button', {
    id: 'deploy',
    type: 'button',
    disabled: !editable,
    onclick: async () => {
      deploy.disabled = true;
      deployStatus.className = '';
      deployStatus.textContent = 'Deploying (building on the host)...';
      try {
        const zip = zipStore([{ name: sourceFile(cfg.Runtime), data: code.value }]);
        const r = await api('PUT', `${fnPath(name)}/code`, { ZipFile: base64(zip) });
        await api('PUT', `/wisp/v1/console/sources/${enc(name)}`, { filename: sourceFile(cfg.Runtime), source: code.value });
        deployStatus.className = 'status-ok';
        deployStatus.textContent = `Deployed: ${r.json.CodeSha256} (${r.json.CodeSize} bytes) at ${r.json.LastModified}`;
      } catch (err) {
        deployStatus.className = 'status-error';
        deployStatus.textContent = `${err.type}: ${err.message}`;
      } finally {
        deploy.disabled = false;
      }
    },
  }, 'Deploy');

  // -- versions --
  const versions = h('ul', { id: 'versions' });
  const loadVersions = async () => {
    const r = await api('GET', `${fnPath(name)}/versions`);
    versions.replaceChildren(...r.json.Versions.map((v) => h('li', {}, `${v.Version} `, h('span', { class: 'muted' }, `${v.CodeSha256.slice(0, 12)}… ${v.Description || ''}`))));
  };
  const publishDesc = h('input', { id: 'publish-description', placeholder: 'version description' });
  const publish = h('button', {
    id: 'publish',
    type: 'button',
    class: 'secondary',
    onclick: async () => {
      try {
        const r = await api('POST', `${fnPath(name)}/versions`, { Description: publishDesc.value });
        deployStatus.className = 'status-ok';
        deployStatus.textContent = `Published version ${r.json.Version}`;
        await loadVersions();
      } catch (err) {
        deployStatus.className = 'status-error';
        deployStatus.textContent = `${err.type}: ${err.message}`;
      }
    },
  }, 'Publish version');

  // -- test invocation --
  const payload = h('textarea', { id: 'payload', rows: 4, value: '{"name": "console"}' });
  const qualifier = h('input', { id: 'qualifier', placeholder: '$LATEST' });
  const invokeStatus = h('p', { id: 'invoke-status' });
  const invokeResponse = h('pre', { id: 'invoke-response' }, '');
  const invokeLogs = h('pre', { id: 'invoke-logs' }, '');
  const invoke = h('button', {
    id: 'invoke',
    type: 'button',
    onclick: async () => {
      let body;
      try {
        body = payload.value.trim() ? JSON.stringify(JSON.parse(payload.value)) : '';
      } catch (err) {
        invokeStatus.className = 'status-error';
        invokeStatus.textContent = `Payload is not JSON: ${err.message}`;
        return;
      }
      invoke.disabled = true;
      invokeStatus.className = '';
      invokeStatus.textContent = 'Invoking...';
      const t0 = performance.now();
      try {
        const q = qualifier.value.trim();
        const r = await api('POST', `${fnPath(name)}/invocations${q ? `?Qualifier=${enc(q)}` : ''}`, body, { 'x-amz-log-type': 'Tail' });
        const ferr = r.headers.get('x-amz-function-error');
        invokeStatus.className = ferr ? 'status-error' : 'status-ok';
        invokeStatus.textContent = `${ferr ? `Function error (${ferr})` : 'Succeeded'} — version ${r.headers.get('x-amz-executed-version')}, ${Math.round(performance.now() - t0)} ms round trip`;
        let text = r.text;
        try {
          text = JSON.stringify(JSON.parse(r.text), null, 2);
        } catch {
          /* not JSON */
        }
        invokeResponse.textContent = text;
        const log = r.headers.get('x-amz-log-result');
        invokeLogs.textContent = log ? new TextDecoder().decode(Uint8Array.from(atob(log), (c) => c.charCodeAt(0))) : '';
      } catch (err) {
        invokeStatus.className = 'status-error';
        invokeStatus.textContent = `${err.type}: ${err.message}`;
      } finally {
        invoke.disabled = false;
        setTimeout(() => void loadCharts().catch(() => {}), 300);
        setTimeout(() => void loadLogs().catch(() => {}), 300);
      }
    },
  }, 'Invoke');

  // -- logs --
  const logs = h('pre', { id: 'logs' }, '');
  const loadLogs = async () => {
    const r = await api('GET', `/wisp/v1/functions/${enc(name)}/logs?limit=200`);
    logs.textContent = r.json.events.map((e) => `${new Date(e.ts).toISOString()} ${e.requestId.slice(0, 8)} ${e.message}`).join('\n') || '(no log lines yet)';
    logs.scrollTop = logs.scrollHeight;
  };

  // -- metrics --
  const charts = h('div', { class: 'charts', id: 'charts' });
  const range = h('select', { id: 'chart-range' }, h('option', { value: '60' }, 'last hour'), h('option', { value: '360' }, 'last 6 hours'), h('option', { value: '1440' }, 'last 24 hours'));
  const loadCharts = async () => {
    const minutes = Number(range.value);
    const period = minutes <= 60 ? 60 : minutes <= 360 ? 300 : 900;
    const end = Date.now();
    const start = end - minutes * 60_000;
    const r = await api('GET', `/wisp/v1/functions/${enc(name)}/metrics?start=${start}&end=${end}&period=${period}&metrics=Invocations,Errors,Throttles,Duration,ConcurrentExecutions,ColdStarts`);
    charts.replaceChildren(...Object.entries(r.json.metrics).map(([metric, m]) => chart(metric, m, r.json.start, end, period)));
  };
  range.addEventListener('change', () => void loadCharts());

  // -- alarms --
  const alarmsBox = h('div', { id: 'fn-alarms' });
  const loadAlarms = async () => {
    const r = await api('GET', `/wisp/v1/alarms?function=${enc(name)}`);
    alarmsBox.replaceChildren(alarmTable(r.json.alarms, () => void loadAlarms()));
  };
  const alarmForm = renderAlarmForm(name, () => void loadAlarms());

  view.replaceChildren(
    h('div', { class: 'row' }, h('a', { href: '#/' }, '← Functions')),
    h('h2', { id: 'function-name' }, name),
    h(
      'p',
      { class: 'muted', id: 'function-config' },
      `${cfg.Runtime} · ${cfg.MemorySize} MB · ${cfg.Timeout} s · ${cfg.Description || 'no description'} · last modified ${cfg.LastModified}`,
      fn.Concurrency ? ` · reserved concurrency ${fn.Concurrency.ReservedConcurrentExecutions}` : '',
    ),
    h('h3', {}, 'Metrics ', range),
    charts,
    h(
      'div',
      { class: 'grid2' },
      h(
        'div',
        { class: 'card' },
        h('h3', {}, `Code (${editable ? sourceFile(cfg.Runtime) : `${cfg.Runtime}: edit and deploy with the CLI`})`),
        code,
        h('div', { class: 'row' }, deploy, publishDesc, publish),
        deployStatus,
        h('h3', {}, 'Versions'),
        versions,
      ),
      h(
        'div',
        { class: 'card' },
        h('h3', {}, 'Test invocation'),
        h('label', {}, 'Payload (JSON)', payload),
        h('div', { class: 'row' }, h('label', {}, 'Qualifier', qualifier), invoke),
        invokeStatus,
        h('label', {}, 'Response'),
        invokeResponse,
        h('label', {}, 'Log'),
        invokeLogs,
      ),
    ),
    h('h3', {}, 'Logs ', h('button', { type: 'button', class: 'secondary', id: 'refresh-logs', onclick: () => void loadLogs() }, 'Refresh')),
    logs,
    h('h3', {}, 'Alarms'),
    alarmsBox,
    alarmForm,
  );
  code.readOnly = !editable;
  await Promise.all([loadVersions(), loadLogs(), loadCharts(), loadAlarms()].map((p) => p.catch((err) => view.append(errorBox(err)))));
  refreshTimer = setInterval(() => {
    if (document.hidden) return;
    void loadCharts().catch(() => {});
    void loadAlarms().catch(() => {});
  }, 10_000);
}

function renderAlarmForm(fnName, onCreated) {
  const metric = h('select', { id: 'a-metric' }, ['Errors', 'Invocations', 'Throttles', 'Duration', 'ConcurrentExecutions', 'ColdStarts', 'FuelUsed', 'MemoryPeak', 'DeadLetterErrors'].map((m) => h('option', { value: m }, m)));
  const statistic = h('select', { id: 'a-statistic' }, ['Sum', 'Average', 'Maximum', 'Minimum', 'SampleCount', 'p50', 'p90', 'p99'].map((m) => h('option', { value: m }, m)));
  const comparison = h('select', { id: 'a-comparison' }, ['>=', '>', '<', '<='].map((m) => h('option', { value: m }, m)));
  const status = h('p', { id: 'a-status' });
  const form = h(
    'form',
    { class: 'card', id: 'alarm-form' },
    h('h3', {}, 'New alarm'),
    h(
      'div',
      { class: 'row' },
      h('label', {}, 'Name', h('input', { id: 'a-name', required: true, value: `${fnName}-errors` })),
      h('label', {}, 'Metric', metric),
      h('label', {}, 'Statistic', statistic),
      h('label', {}, 'Comparison', comparison),
      h('label', {}, 'Threshold', h('input', { id: 'a-threshold', type: 'number', step: 'any', value: 1 })),
      h('label', {}, 'Period (s)', h('input', { id: 'a-period', type: 'number', min: 1, value: 60 })),
      h('label', {}, 'Evaluation periods', h('input', { id: 'a-evaluation', type: 'number', min: 1, value: 1 })),
      h('label', {}, 'Missing data', h('select', { id: 'a-missing' }, ['notBreaching', 'missing', 'breaching', 'ignore'].map((m) => h('option', { value: m }, m)))),
      h('label', {}, 'Webhook URL', h('input', { id: 'a-webhook', type: 'url', placeholder: 'https://...' })),
    ),
    h('button', { type: 'submit', id: 'a-create' }, 'Create alarm'),
    status,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      await api('PUT', `/wisp/v1/alarms/${enc($('#a-name').value.trim())}`, {
        functionName: fnName,
        metric: metric.value,
        statistic: statistic.value,
        comparison: comparison.value,
        threshold: Number($('#a-threshold').value),
        period: Number($('#a-period').value),
        evaluationPeriods: Number($('#a-evaluation').value),
        treatMissingData: $('#a-missing').value,
        webhookUrl: $('#a-webhook').value.trim() || undefined,
      });
      status.className = 'status-ok';
      status.textContent = 'Alarm saved.';
      onCreated();
    } catch (err) {
      status.className = 'status-error';
      status.textContent = `${err.type}: ${err.message}`;
    }
  });
  return form;
}

// ---------- charts (inline SVG) ----------

const W = 300;
const H = 110;
const PAD = { l: 34, r: 6, t: 8, b: 16 };

function fmt(v) {
  if (v >= 1e9) return `${(v / 1e9).toFixed(1)}G`;
  if (v >= 1e6) return `${(v / 1e6).toFixed(1)}M`;
  if (v >= 1e3) return `${(v / 1e3).toFixed(1)}k`;
  return Number.isInteger(v) ? String(v) : v.toFixed(v < 10 ? 2 : 1);
}

/** Bars for counts (missing periods are zero), a line for the others (gaps where missing). */
function chart(metric, m, start, end, period) {
  const p = period * 1000;
  const slots = Math.max(1, Math.ceil((end - start) / p));
  const byTs = new Map(m.datapoints.map((d) => [d.ts, d.value]));
  const isCount = m.statistic === 'Sum' || m.statistic === 'SampleCount';
  const values = Array.from({ length: slots }, (_, i) => byTs.get(start + i * p) ?? (isCount ? 0 : null));
  const max = Math.max(isCount ? 1 : 1e-9, ...values.filter((v) => v !== null));
  const total = m.datapoints.reduce((n, d) => n + d.value, 0);
  const iw = W - PAD.l - PAD.r;
  const ih = H - PAD.t - PAD.b;
  const x = (i) => PAD.l + (i * iw) / slots;
  const y = (v) => PAD.t + ih - (v / max) * ih;
  const svg = s(
    'svg',
    { viewBox: `0 0 ${W} ${H}`, role: 'img', id: `chart-${metric}`, 'data-points': m.datapoints.length, 'data-total': total, 'aria-label': `${metric} (${m.statistic})` },
    s('title', {}, `${metric} (${m.statistic}, ${m.unit}) per ${period} s`),
    s('line', { class: 'axis', x1: PAD.l, y1: PAD.t + ih, x2: W - PAD.r, y2: PAD.t + ih }),
    s('line', { class: 'axis', x1: PAD.l, y1: PAD.t, x2: PAD.l, y2: PAD.t + ih }),
    s('text', { x: PAD.l - 3, y: PAD.t + 7, 'text-anchor': 'end' }, fmt(max)),
    s('text', { x: PAD.l - 3, y: PAD.t + ih, 'text-anchor': 'end' }, '0'),
    s('text', { x: PAD.l, y: H - 3 }, new Date(start).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })),
    s('text', { x: W - PAD.r, y: H - 3, 'text-anchor': 'end' }, 'now'),
  );
  if (isCount) {
    const bw = Math.max(1, iw / slots - 1);
    values.forEach((v, i) => {
      if (!v) return;
      const bar = s('rect', { class: 'bar', x: x(i), y: y(v), width: bw, height: Math.max(1, PAD.t + ih - y(v)) });
      bar.append(s('title', {}, `${new Date(start + i * p).toLocaleTimeString()}: ${fmt(v)}`));
      svg.append(bar);
    });
  } else {
    let d = '';
    values.forEach((v, i) => {
      if (v === null) return;
      const cmd = i > 0 && values[i - 1] !== null ? 'L' : 'M';
      d += `${cmd}${(x(i) + iw / slots / 2).toFixed(1)},${y(v).toFixed(1)} `;
    });
    if (d) svg.append(s('path', { class: 'line', d }));
    values.forEach((v, i) => {
      if (v === null) return;
      const dot = s('circle', { class: 'bar', cx: (x(i) + iw / slots / 2).toFixed(1), cy: y(v).toFixed(1), r: 1.8 });
      dot.append(s('title', {}, `${new Date(start + i * p).toLocaleTimeString()}: ${fmt(v)}`));
      svg.append(dot);
    });
  }
  const label = isCount ? `total ${fmt(total)}` : m.datapoints.length ? `last ${fmt(m.datapoints[m.datapoints.length - 1].value)} ${m.unit === 'Milliseconds' ? 'ms' : ''}` : 'no data';
  return h('div', { class: 'chart', 'data-metric': metric }, h('div', { class: 'title' }, h('span', {}, `${metric} (${m.statistic})`), h('span', {}, label)), svg);
}

route();
