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
  /** File extensions that belong to this language's sources (used for detection and hashing). */
  sources: string[];
  build(ctx: BuildContext): Promise<Uint8Array>;
}
