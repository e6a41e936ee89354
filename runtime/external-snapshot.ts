// importExternal for the host started from the V8 startup snapshot (bin/bundle.mjs builds it; see
// runtime/external.ts). Code inside a snapshot cannot call import(): V8 has no host callback for
// scripts deserialized from a snapshot. A script compiled after start-up can, when it asks for
// the main context's default loader; this module compiles one two-line script on first use and
// imports through it. The script's filename is the bundle's, so bare specifiers resolve from
// Wisp's node_modules exactly as they do for the ESM bundle.

import { fileURLToPath } from 'node:url';
import { Script, constants } from 'node:vm';

let load: ((specifier: string) => Promise<unknown>) | undefined;

function loader(): (specifier: string) => Promise<unknown> {
  // vm's USE_MAIN_CONTEXT_DEFAULT_LOADER is marked experimental in Node 20 and warns once on
  // use: the warning is dropped for this one feature, every other warning still prints.
  const emit = process.emitWarning;
  process.emitWarning = ((w: string | Error, ...rest: unknown[]) => {
    if (!String(typeof w === 'string' ? w : w.message).includes('USE_MAIN_CONTEXT_DEFAULT_LOADER')) (emit as (...a: unknown[]) => void).call(process, w, ...rest);
  }) as typeof process.emitWarning;
  return new Script('(specifier) => import(specifier)', {
    filename: fileURLToPath(import.meta.url),
    importModuleDynamically: constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  }).runInThisContext() as (specifier: string) => Promise<unknown>;
}

export function importExternal<T>(specifier: string): Promise<T> {
  return (load ??= loader())(specifier) as Promise<T>;
}
