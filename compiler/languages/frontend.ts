export interface BuildContext {
  /** The function's source directory. */
  srcDir: string;
  /** Its source files, relative to srcDir, sorted. */
  files: string[];
  /** Scratch space for this build only. */
  workDir: string;
  /** Shared, long-lived cache (WIT packages, toolchain artifacts). */
  cacheDir: string;
}

/** A language front end: sources in, a WebAssembly component out. */
export interface Frontend {
  lang: string;
  /** File extensions that belong to this language's sources (detection of bare files). */
  sources: string[];
  /** Project files that identify the language outright (Cargo.toml, go.mod, ...); checked
   *  before extensions, so e.g. an AssemblyScript project is not taken for TypeScript. */
  markers?: string[];
  build(ctx: BuildContext): Promise<Uint8Array>;
  /** Bump when the front end's output for the same sources changes (helpers, flags, toolchain
   *  pins): it is part of the artifact cache key. */
  version?: string;
}
