// `wisp` as run by bin/wisp.js (node, an ES module). The host's startup snapshot has its own
// entry, cli/snapshot.ts; both run the same command line (cli/run.ts).

import { run } from './run.js';

void run(process.argv.slice(2));
