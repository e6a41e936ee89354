// The preview1 namespace a module's instances are linked with: only the functions the module
// imports (a C hello imports 7 of the 46), each calling the host its ref names at call time.

import { MODULE } from './abi.js';
import { importFactory, type HostRef, type Preview1Imports } from './host.js';

type Link = [importName: string, make: (r: HostRef) => Preview1Imports[string]];

/** What the module imports from preview1 and how to link each. */
function linksOf(module: WebAssembly.Module): Link[] {
  const l: Link[] = [];
  for (const i of WebAssembly.Module.imports(module)) {
    if (i.module !== MODULE || i.kind !== 'function') continue;
    const make = importFactory(i.name);
    // Unknown names are left out: instantiation then fails with V8's own LinkError.
    if (make) l.push([i.name, make]);
  }
  return l;
}

/** Called once per module and thread (the engine shares the result among the module's
 *  instances: preview1-instance.ts). `wrap`: a hook around each linked function (the engine
 *  meters speculative runs with it). */
export function linkPreview1(
  module: WebAssembly.Module,
  ref: HostRef,
  wrap?: (name: string, f: Preview1Imports[string]) => Preview1Imports[string],
): Preview1Imports {
  const ns: Preview1Imports = {};
  for (const [name, make] of linksOf(module)) ns[name] = wrap ? wrap(name, make(ref)) : make(ref);
  return ns;
}
