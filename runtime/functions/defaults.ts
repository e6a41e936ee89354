// Defaults for a function's configuration, each chosen to match what users of AWS Lambda
// expect unless Wisp has a reason to differ.

export const DEFAULTS = {
  /** Lambda's default MemorySize. Caps the sum of the component's linear memories. */
  memoryMB: 128,
  /** Lambda's default Timeout (3 s). */
  timeoutMs: 3000,
  /** One instance per request unless the function opts into reuse (Lambda-style globals). */
  reuse: false,
  /** No provisioned concurrency unless asked for. */
  prewarm: 0,
  /** Enough for ~seconds of straight-line work; fuel is only charged by instrumented artifacts. */
  fuel: 10_000_000_000,
} as const;

/** Bounds Wisp accepts (Lambda allows 128–10240 MB; Wisp also allows smaller caps). */
export const BOUNDS = {
  memoryMB: [1, 10240],
  timeoutMs: [1, 900_000],
  prewarm: [0, 64],
} as const;
