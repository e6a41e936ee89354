// What the A/B tools (ab-host.ts, plane-ab.ts) share: their command line — NAME=CHECKOUT
// subjects, `--name N` numbers, `--env NAME:KEY=VALUE` per subject — and the hello-c
// functions directory both serve.

import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export interface Subject {
  name: string;
  /** The checkout (built with `npm run build:ts`). */
  dir: string;
  /** Environment variables for this subject only (`--env NAME:KEY=VALUE`). */
  env: Record<string, string>;
}

/** Parses argv; prints `usage` and exits 2 when no subject is given. */
export function abArgs(argv: string[], usage: string): { subjects: Subject[]; flag: (name: string, dflt: number) => number } {
  const flag = (name: string, dflt: number) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? Number(argv[i + 1]) : dflt;
  };
  const envArgs = argv.flatMap((a, i) => (a === '--env' ? [argv[i + 1]!] : []));
  const subjects = argv
    .filter((a, i) => /^[^-][^=]*=/.test(a) && argv[i - 1] !== '--env')
    .map((a) => {
      const name = a.split('=')[0]!;
      const env: Record<string, string> = {};
      for (const e of envArgs.filter((e) => e.startsWith(`${name}:`))) {
        const kv = e.slice(name.length + 1);
        env[kv.slice(0, kv.indexOf('='))] = kv.slice(kv.indexOf('=') + 1);
      }
      return { name, dir: resolve(a.slice(a.indexOf('=') + 1)), env };
    });
  if (subjects.length === 0) {
    console.error(`usage: ${usage}`);
    process.exit(2);
  }
  return { subjects, flag };
}

/** A scratch directory with a functions dir serving examples/hello-c (GREETING=Hello). */
export function helloCFunctions(prefix: string): { tmp: string; fnsDir: string } {
  const tmp = mkdtempSync(join(tmpdir(), prefix));
  const fnsDir = join(tmp, 'functions');
  mkdirSync(fnsDir);
  const helloC = resolve(import.meta.dirname, '../../../examples/hello-c');
  writeFileSync(join(fnsDir, 'functions.json'), JSON.stringify({ functions: [{ name: 'hello-c', source: helloC, env: { GREETING: 'Hello' } }] }));
  return { tmp, fnsDir };
}
