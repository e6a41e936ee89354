// The entry of the host's V8 startup snapshot. bin/bundle.mjs bundles this file (as CommonJS) and
// has Node evaluate it once, at build time, into dist/bundle/host.blob; bin/wisp-host starts
// `node --snapshot-blob host.blob`, which begins in the function below with every module of the
// CLI and the host already evaluated: no module loading, parsing or top-level code at start
// (docs/bench.md, "Startup snapshot": spawn -> first response 102 -> 90 ms, node -e 58 ms).
//
// What the snapshot cannot hold is made on first use instead of at import: native handles
// (the SQLite addon, TextDecoders of dependencies, SharedArrayBuffers), builtins that do not
// load in the snapshot builder (node:http; bin/bundle.mjs defers every builtin), and ES modules
// outside the bundle (runtime/external-snapshot.ts).

import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startupSnapshot } from 'node:v8';
import { run } from './run.js';

declare global {
  /** What `import.meta.url` means inside the snapshot bundle (bin/bundle.mjs defines it so). */
  var __wispModuleUrl: string;
}

/** The blob this process started from (Node keeps the flag in execArgv). */
function blobPath(): string | undefined {
  const args = process.execArgv;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--snapshot-blob') return args[i + 1];
    if (a.startsWith('--snapshot-blob=')) return a.slice('--snapshot-blob='.length);
  }
  return undefined;
}

startupSnapshot.setDeserializeMainFunction(() => {
  // Paths (package root, worker script, node_modules) follow the checkout the blob is in now,
  // not the one it was built in.
  const blob = blobPath();
  if (blob) globalThis.__wispModuleUrl = pathToFileURL(join(dirname(resolve(blob)), 'host.cjs')).href;
  // No script in argv: [node, command, ...].
  void run(process.argv.slice(1));
});
