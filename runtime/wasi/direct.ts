// WASI functions that take nothing and return one u64 (a clock reading, a random number), handed
// to the core modules as they are instead of through jco's lowering. jco 1.35 wraps every import
// call in its task machinery (a task, a subtask, resolve/exit bookkeeping): ~16 µs per call, and
// StarlingMonkey calls monotonic-clock `now` 18 times per request, of 34 host calls in all. For
// such a signature there is nothing to lower: V8 turns the returned BigInt into the i64 result
// exactly as the glue's path does. Anything with resources, strings, lists or records keeps the
// glue.

type Host = Record<string, object>;

/** Core import name -> host function name, per unversioned interface. */
const SCALAR: Record<string, Record<string, string>> = {
  'wasi:clocks/monotonic-clock': { now: 'now', resolution: 'resolution' },
  'wasi:random/random': { 'get-random-u64': 'getRandomU64' },
  'wasi:random/insecure': { 'get-insecure-random-u64': 'getInsecureRandomU64' },
};

/** `imports` with every such function bound straight to the host's; other imports untouched. */
export function lowerScalarImports(imports: WebAssembly.Imports, host: Host): WebAssembly.Imports {
  let out: WebAssembly.Imports | undefined;
  for (const [ns, fields] of Object.entries(imports)) {
    const at = ns.indexOf('@');
    const names = SCALAR[at < 0 ? ns : ns.slice(0, at)];
    if (!names) continue;
    const impl = host[at < 0 ? ns : ns.slice(0, at)] as Record<string, unknown> | undefined;
    let copy: Record<string, unknown> | undefined;
    for (const [core, hostName] of Object.entries(names)) {
      const fn = impl?.[hostName];
      if (typeof fn !== 'function' || typeof (fields as Record<string, unknown>)[core] !== 'function') continue;
      copy ??= { ...(fields as Record<string, unknown>) };
      copy[core] = fn;
    }
    if (copy) (out ??= { ...imports })[ns] = copy as WebAssembly.ModuleImports;
  }
  return out ?? imports;
}
