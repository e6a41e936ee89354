// import() for modules outside Wisp's own code: npm packages left out of the bundle (native
// code, wasm payloads, their own lazy loading: jco, componentize-js, binaryen, asc, esbuild,
// wizer), artifacts' jco glue, and the bench suite. Every such import goes through here, never a
// bare import() elsewhere, because the host started from a V8 startup snapshot
// (docs/bench.md, "Startup snapshot") has no ES module loader for code that was evaluated while
// the snapshot was built: bin/bundle.mjs swaps this module for runtime/external-snapshot.ts there.
//
// Bare specifiers resolve from Wisp's own node_modules; files are passed as file: URLs.

export function importExternal<T>(specifier: string): Promise<T> {
  return import(specifier) as Promise<T>;
}
