// `wisp` — one CLI for the host and the author's workflow. Commands other than `up`, `build`
// and `new` are clients of a running host's API (WISP_ENDPOINT, default http://127.0.0.1:8080),
// signed with AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (default test/test).

import { build } from '../compiler/build.js';
import { BuildError } from '../compiler/toolchain.js';
import { AuthConfigError } from '../runtime/api/auth.js';
import { ManifestError } from '../runtime/functions/manifest.js';
import { startHost } from '../runtime/host.js';
import { parseArgs } from './args.js';
import { ApiClientError, WispClient } from './client.js';
import { deploy } from './commands/deploy.js';
import { printLogs } from './commands/logs.js';
import { languages, newFunction } from './commands/new.js';
import { alarmsCommand, metricsCommand } from '../runtime/monitoring/cli.js';
import { importExternal } from '../runtime/external.js';
import { fromRoot } from '../runtime/package-root.js';
import { pathToFileURL } from 'node:url';

const USAGE = `usage: wisp <command> [options]

  up [--port N] [--host ADDR] [--data DIR] [--functions DIR|none]
      run the host: data plane on http://ADDR:N/fn/NAME[:QUALIFIER]/..., Lambda API on
      http://ADDR:N/2015-03-31/... (default 127.0.0.1:8080; PORT sets the port, WISP_DATA_DIR the
      data dir (default .wisp), WISP_ACCESS_KEYS=ID:SECRET,... the API keys). Functions listed in
      DIR/functions.json (default: examples) are deployed into the registry when absent.
  new <lang> <name>            scaffold a function (lang: js ts python go rust c assemblyscript ruby)
  build [DIR|FILE] [--lang L]  build sources into a runtime artifact (cached by content hash)
  deploy [DIR] [--name N] [--runtime L] [--publish] [--description D] [--memory MB] [--timeout S]
                               zip, upload and build on the host; create or update; publish a version
  invoke NAME [--payload JSON] [--qualifier Q] [--event] [--tail]
                               invoke through the API; prints the function's answer
  ls                           list functions
  versions NAME                list a function's versions
  logs NAME [--follow] [--limit N]
                               a function's invocation logs (guest lines and REPORT lines)
  triggers add NAME --schedule 'rate(5 minutes)' | --logs-from SRC [--filter F] [--failures] [--batch N]
  triggers ls [NAME] | triggers rm ID | triggers enable ID | triggers disable ID
                               schedules and log subscriptions that invoke NAME asynchronously
  async-config NAME [--retries 0-2] [--max-age S] [--on-success FN] [--on-failure FN]
                               retries, event age and destinations of Event invocations (no flags: show)
  dlq NAME                     the function's dead-letter list (async events that failed for good)
  alarms ...                   create, list, delete alarms and see their history (wisp alarms help)
  metrics ...                  query metrics over time (wisp metrics help)
  bench [--quick] [--only inproc,http,load,spawn,fuel]
                               the cold-start suite with peers; writes bench/results/latest.*

  API commands talk to WISP_ENDPOINT (default http://127.0.0.1:8080), or --endpoint URL.
`;

function fail(msg: string): never {
  process.stderr.write(`wisp: ${msg}\n`);
  process.exit(1);
}

function intFlag(v: string | true | undefined, name: string, max = 65535): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > max) fail(`--${name} must be an integer in 0..${max}, got ${String(v)}`);
  return n;
}

const s = (v: string | true | undefined) => (typeof v === 'string' ? v : undefined);

async function main(argv: string[]): Promise<void> {
  const [cmd, ...rest] = argv;
  const { positionals, flags } = parseArgs(rest, ['help', 'publish', 'event', 'tail', 'follow']);
  const dataDir = s(flags.data) ?? s(flags['data-dir']) ?? process.env.WISP_DATA_DIR ?? '.wisp';
  const api = () => new WispClient({ endpoint: s(flags.endpoint) ?? process.env.WISP_ENDPOINT ?? 'http://127.0.0.1:8080' });
  const need = (i: number, what: string) => positionals[i] ?? fail(`${cmd}: missing ${what}\n${USAGE}`);
  switch (cmd) {
    case 'up': {
      const port = intFlag(flags.port, 'port') ?? intFlag(process.env.PORT, 'PORT') ?? 8080;
      const host = await startHost({
        port,
        host: s(flags.host) ?? '127.0.0.1',
        // `--functions none` starts with an empty registry (nothing seeded).
        functionsDir: flags.functions === 'none' ? undefined : (s(flags.functions) ?? 'examples'),
        dataDir,
        onProgress: (l) => process.stderr.write(`wisp: ${l}\n`),
      });
      const fns = host.registry.list();
      process.stderr.write(`wisp: serving ${fns.length} functions on ${host.url}/fn/NAME (data: ${host.dataDir})\n`);
      for (const f of fns) process.stderr.write(`  ${host.url}/fn/${f.name}/\n`);
      process.stderr.write(`wisp: Lambda API at ${host.url} (aws --endpoint-url ${host.url} lambda ...)\n`);
      const stop = () => void host.close().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      return;
    }
    case 'new': {
      const dest = await newFunction(need(0, '<lang>'), need(1, '<name>'), s(flags.dir));
      process.stdout.write(`created ${dest}\n  wisp build ${dest}    (or: wisp deploy ${dest})\n`);
      return;
    }
    case 'languages':
      process.stdout.write(`${(await languages()).join('\n')}\n`);
      return;
    case 'build': {
      const r = await build(positionals[0] ?? '.', {
        cacheDir: dataDir,
        lang: s(flags.lang),
        onProgress: (l) => process.stderr.write(`wisp: ${l}\n`),
      });
      process.stdout.write(`${r.dir}\t${r.meta.shape}\t${r.meta.lang}${r.cached ? '\t(cached)' : ''}\n`);
      return;
    }
    case 'deploy': {
      const cfg = await deploy(api(), positionals[0] ?? '.', {
        name: s(flags.name),
        runtime: s(flags.runtime),
        publish: flags.publish === true,
        description: s(flags.description),
        memoryMB: intFlag(flags.memory, 'memory', 10240),
        timeoutS: intFlag(flags.timeout, 'timeout', 900),
      });
      process.stdout.write(`${cfg.created ? 'created' : 'updated'} ${cfg.FunctionName} version ${cfg.Version} (${cfg.Runtime}, ${cfg.CodeSha256})\n`);
      return;
    }
    case 'invoke': {
      const name = need(0, 'NAME');
      const q = s(flags.qualifier) ? `?Qualifier=${encodeURIComponent(s(flags.qualifier)!)}` : '';
      const headers: Record<string, string> = {};
      if (flags.event) headers['x-amz-invocation-type'] = 'Event';
      if (flags.tail) headers['x-amz-log-type'] = 'Tail';
      const r = await api().raw('POST', `/2015-03-31/functions/${encodeURIComponent(name)}/invocations${q}`, s(flags.payload) ?? '{}', headers);
      if (r.status >= 400) {
        const body = JSON.parse(new TextDecoder().decode(r.body) || '{}') as { message?: string };
        throw new ApiClientError(r.status, r.headers.get('x-amzn-errortype') ?? `HTTP ${r.status}`, body.message ?? '');
      }
      if (r.status === 202) return void process.stderr.write('wisp: queued (202)\n');
      process.stdout.write(r.body);
      const log = r.headers.get('x-amz-log-result');
      if (log) process.stderr.write(Buffer.from(log, 'base64').toString());
      if (r.headers.get('x-amz-function-error')) fail(`function error (${r.headers.get('x-amz-function-error')}), version ${r.headers.get('x-amz-executed-version')}`);
      return;
    }
    case 'ls': {
      const r = await api().call<{ Functions: { FunctionName: string; Runtime: string; MemorySize: number; Timeout: number; LastModified: string }[] }>('GET', '/2015-03-31/functions/');
      for (const f of r.Functions) process.stdout.write(`${f.FunctionName}\t${f.Runtime}\t${f.MemorySize} MB\t${f.Timeout} s\t${f.LastModified}\n`);
      return;
    }
    case 'versions': {
      const name = need(0, 'NAME');
      const r = await api().call<{ Versions: { Version: string; Description: string; CodeSha256: string; LastModified: string }[] }>(
        'GET',
        `/2015-03-31/functions/${encodeURIComponent(name)}/versions`,
      );
      for (const v of r.Versions) process.stdout.write(`${v.Version}\t${v.CodeSha256}\t${v.LastModified}\t${v.Description}\n`);
      return;
    }
    case 'logs':
      await printLogs(api(), need(0, 'NAME'), { follow: flags.follow === true, limit: intFlag(flags.limit, 'limit', 10_000) });
      return;
    case 'triggers': {
      const [sub, arg] = positionals;
      const shape = (t: Record<string, any>) =>
        `${t.TriggerId}\t${t.FunctionName}\t${t.Enabled ? 'enabled' : 'disabled'}\t${t.Type === 'schedule' ? t.ScheduleExpression : `logs of ${t.Source.FunctionName}${t.Source.FailuresOnly ? ' (failures)' : ''}${t.Source.FilterPattern ? ` matching ${t.Source.FilterPattern}` : ''}`}\n`;
      if (sub === 'add') {
        if (!arg) fail('triggers add: missing NAME');
        const body: Record<string, unknown> = { FunctionName: arg };
        if (s(flags.schedule)) body.ScheduleExpression = s(flags.schedule);
        if (s(flags['logs-from'])) body.Source = { FunctionName: s(flags['logs-from']), FilterPattern: s(flags.filter) ?? '', FailuresOnly: flags.failures === true };
        if (flags.batch !== undefined) body.BatchSize = intFlag(flags.batch, 'batch', 10_000);
        process.stdout.write(shape(await api().call('POST', '/wisp/v1/triggers', body)));
      } else if (sub === 'ls' || sub === undefined) {
        const r = await api().call('GET', `/wisp/v1/triggers${arg ? `?FunctionName=${encodeURIComponent(arg)}` : ''}`);
        for (const t of r.Triggers) process.stdout.write(shape(t));
      } else if (sub === 'rm' && arg) {
        await api().call('DELETE', `/wisp/v1/triggers/${encodeURIComponent(arg)}`);
      } else if ((sub === 'enable' || sub === 'disable') && arg) {
        process.stdout.write(shape(await api().call('PATCH', `/wisp/v1/triggers/${encodeURIComponent(arg)}`, { Enabled: sub === 'enable' })));
      } else fail(`triggers: unknown subcommand\n${USAGE}`);
      return;
    }
    case 'async-config': {
      const name = need(0, 'NAME');
      const path = `/2019-09-25/functions/${encodeURIComponent(name)}/event-invoke-config`;
      const change: Record<string, unknown> = {};
      if (flags.retries !== undefined) change.MaximumRetryAttempts = intFlag(flags.retries, 'retries', 2);
      if (flags['max-age'] !== undefined) change.MaximumEventAgeInSeconds = intFlag(flags['max-age'], 'max-age', 21_600);
      const dest: Record<string, unknown> = {};
      if (s(flags['on-success'])) dest.OnSuccess = { Destination: s(flags['on-success']) };
      if (s(flags['on-failure'])) dest.OnFailure = { Destination: s(flags['on-failure']) };
      if (Object.keys(dest).length > 0) change.DestinationConfig = dest;
      const r = Object.keys(change).length > 0 ? await api().call('PUT', path, change) : await api().call('GET', path);
      process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
      return;
    }
    case 'alarms':
      process.exitCode = await alarmsCommand(api(), rest);
      return;
    case 'metrics':
      process.exitCode = await metricsCommand(api(), rest);
      return;
    case 'bench':
      // The suite reads --quick / --only from argv itself.
      await importExternal(pathToFileURL(fromRoot('dist', 'bench', 'index.js')).href);
      return;
    case 'dlq': {
      const r = await api().call('GET', `/wisp/v1/functions/${encodeURIComponent(need(0, 'NAME'))}/dead-letters`);
      for (const d of r.DeadLetters) process.stdout.write(`${d.CreatedAt}\t${d.EventId}\t${d.Condition}\t${d.Attempts}\t${d.Error}\t${d.Payload}\n`);
      return;
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return;
    default:
      fail(`unknown command '${cmd}'\n${USAGE}`);
  }
}

/** Runs one `wisp` command line (argv without node and the script); failures exit the process
 *  with a one-line message. Entry points: cli/main.ts (node bin/wisp.js) and cli/snapshot.ts
 *  (the host's startup snapshot). */
export function run(argv: string[]): Promise<void> {
  return main(argv).catch((e) => {
    if (e instanceof BuildError || e instanceof ManifestError || e instanceof AuthConfigError || e instanceof ApiClientError) fail(e.message);
    if (e instanceof Error && /unknown language|invalid function name|already exists|ECONNREFUSED|fetch failed/.test(e.message + String(e.cause ?? ''))) {
      fail(e.message + (e.cause ? ` (${String(e.cause)})` : ''));
    }
    fail(e instanceof Error ? (e.stack ?? e.message) : String(e));
  });
}
