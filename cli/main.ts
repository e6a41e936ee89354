// `wisp` — one CLI for the host and the author's workflow.

import { build } from '../compiler/build.js';
import { BuildError } from '../compiler/toolchain.js';
import { startHost } from '../runtime/host.js';
import { ManifestError } from '../runtime/functions/manifest.js';
import { AuthConfigError } from '../runtime/api/auth.js';
import { parseArgs } from './args.js';

const USAGE = `usage: wisp <command> [options]

  up [--port N] [--host ADDR] [--data DIR] [--functions DIR]
      run the host: data plane on http://ADDR:N/fn/NAME, Lambda API on http://ADDR:N/2015-03-31/
      (default 127.0.0.1:8080; PORT sets the port, WISP_DATA_DIR the data dir (default .wisp),
      WISP_ACCESS_KEYS=ID:SECRET,... the API keys). Functions in DIR/functions.json (default:
      examples) are deployed into the registry when absent.
  build [DIR|FILE] [--lang LANG] [--data-dir DIR]
      build a function's sources into a runtime artifact (cached by content hash)
`;

function fail(msg: string): never {
  process.stderr.write(`wisp: ${msg}\n`);
  process.exit(1);
}

function intFlag(v: string | true | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) fail(`--${name} must be a port number, got ${String(v)}`);
  return n;
}

async function main(argv: string[]): Promise<void> {
  const [cmd, ...rest] = argv;
  const { positionals, flags } = parseArgs(rest, ['help']);
  const dataFlag = flags.data ?? flags['data-dir'];
  const dataDir = typeof dataFlag === 'string' ? dataFlag : (process.env.WISP_DATA_DIR ?? '.wisp');
  switch (cmd) {
    case 'up': {
      const port = intFlag(flags.port, 'port') ?? intFlag(process.env.PORT, 'port') ?? 8080;
      const host = await startHost({
        port,
        host: typeof flags.host === 'string' ? flags.host : '127.0.0.1',
        // `--functions none` starts with an empty registry (nothing seeded).
        functionsDir: flags.functions === 'none' ? undefined : typeof flags.functions === 'string' ? flags.functions : 'examples',
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
    case 'build': {
      const src = positionals[0] ?? '.';
      const r = await build(src, {
        cacheDir: dataDir,
        lang: typeof flags.lang === 'string' ? flags.lang : undefined,
        onProgress: (l) => process.stderr.write(`wisp: ${l}\n`),
      });
      process.stdout.write(`${r.dir}\t${r.meta.shape}\t${r.meta.lang}${r.cached ? '\t(cached)' : ''}\n`);
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

main(process.argv.slice(2)).catch((e) => {
  if (e instanceof BuildError || e instanceof ManifestError || e instanceof AuthConfigError) fail(e.message);
  fail(e instanceof Error ? (e.stack ?? e.message) : String(e));
});
