// Summaries of repeated measurements. Medians, never means: this machine's noise is one-sided.

export interface Summary {
  n: number;
  median: number;
  p90: number;
  min: number;
  max: number;
}

export function summarize(samples: number[]): Summary {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * (s.length - 1) + 0.5))]!;
  return { n: s.length, median: at(0.5), p90: at(0.9), min: s[0]!, max: s[s.length - 1]! };
}

export function machine(): Record<string, string | number> {
  return {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpus: (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 0,
    date: new Date().toISOString(),
  };
}

/** Microseconds with 1 decimal, for tables. */
export const us = (ms: number) => (ms * 1000).toFixed(1);
