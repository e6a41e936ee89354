// Build-time check of a packed Ruby function: runs its command module once with
// WISP_BUILD_CHECK=1 (boot.rb then compiles every .rb file and loads the entry) under node:wasi,
// in its own process. Exit status 0 = fine; otherwise Ruby's message is on stderr.
// node check.mjs MODULE.wasm
import { readFileSync } from 'node:fs';
import { WASI } from 'node:wasi';

const wasi = new WASI({ version: 'preview1', args: ['ruby'], env: { WISP_BUILD_CHECK: '1' }, returnOnExit: true });
const module = await WebAssembly.compile(readFileSync(process.argv[2]));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
process.exitCode = wasi.start(instance);
