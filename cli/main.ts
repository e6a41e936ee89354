// `wisp` — one CLI for the host and the author's workflow.

import { build } from '../compiler/build.js';
import { BuildError } from '../compiler/toolchain.js';
import { startHost } from '../runtime/host.js';
import { ManifestError } from '../runtime/functions/manifest.js';
import { parseArgs } from './args.js';

const USAGE = `usage: wisp <command> [options]

  up [--port N] [--host ADDR] [--functions DIR] [--data-dir DIR]
      serve the functions in DIR/functions.json (default: examples) on http://ADDR:N/fn/NAME
      (default 127.0.0.1:8080; PORT in the environment also sets the port)
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
  const dataDir = typeof flags['data-dir'] === 'string' ? flags['data-dir'] : '.wisp';
  switch (cmd) {
    case 'up': {
      const port = intFlag(flags.port, 'port') ?? intFlag(process.env.PORT, 'port') ?? 8080;
      const host = await startHost({
        port,
        host: typeof flags.host === 'string' ? flags.host : '127.0.0.1',
        functionsDir: typeof flags.functions === 'string' ? flags.functions : 'examples',
        dataDir,
        onProgress: (l) => process.stderr.write(`wisp: ${l}\n`),
      });
      process.stderr.write(`wisp: serving ${host.functions.list().length} functions on ${host.url}/fn/NAME\n`);
      for (const f of host.functions.list()) process.stderr.write(`  ${host.url}/fn/${f.name}/\n`);
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
  if (e instanceof BuildError || e instanceof ManifestError) fail(e.message);
  fail(e instanceof Error ? (e.stack ?? e.message) : String(e));
});
