// A monotonic clock in milliseconds (fractional). Not `performance.now()`: Node 20 loads
// perf_hooks on the first use of the `performance` global, ~1.5 ms of a fresh host's way to its
// first response (docs/bench.md, "Host start").

const origin = process.hrtime.bigint();

export const nowMs = (): number => Number(process.hrtime.bigint() - origin) / 1e6;
