// Ratio targets of the bench: PASS and MISS on the ratio of medians, UNSTABLE (neither) when a
// subject's samples show it ran in two modes during the run.
import { describe, expect, it } from 'vitest';
import { fmtValue } from '../../bench/lib/report.js';
import { ratioVerdict, UNSTABLE_SPREAD } from '../../bench/lib/verdict.js';

const fig = (median: number, min: number, p90: number) => ({ median, min, max: p90, spread: (p90 - min) / median, unit: 'req/s' as const });
const fmt = fmtValue;
const wisp = { key: 'load.wisp.hello-c.rps', fig: fig(32_000, 31_000, 33_000) };

describe('ratioVerdict', () => {
  it('passes and misses on the ratio of medians when both subjects were steady', () => {
    expect(ratioVerdict(wisp, { key: 'hono', fig: fig(42_000, 41_500, 43_000) }, '>=', 0.8, fmt)).toMatchObject({ verdict: 'MISS', value: 32_000 / 42_000 });
    expect(ratioVerdict(wisp, { key: 'hono', fig: fig(38_000, 37_500, 38_500) }, '>=', 0.8, fmt)).toMatchObject({ verdict: 'PASS' });
    expect(ratioVerdict(wisp, { key: 'node', fig: fig(30_000, 29_000, 31_000) }, '<=', 1.5, fmt)).toMatchObject({ verdict: 'PASS' });
  });

  it('is UNSTABLE, never PASS, when the peer ran in two modes (its low mode made Wisp look 1.13x)', () => {
    // The 13:17 run: bare Hono's three samples 26,392 / 27,911 / 35,529.
    const hono = { key: 'load.hono.hi.rps', fig: { median: 27_911, min: 26_392, max: 35_529, spread: 0.33, unit: 'req/s' as const } };
    const v = ratioVerdict({ key: 'load.wisp.hello-c.rps', fig: fig(31_412, 30_000, 32_000) }, hono, '>=', 0.8, fmt);
    expect(v.verdict).toBe('UNSTABLE');
    expect(v.value).toBeCloseTo(1.125, 3);
    expect(v.why).toMatch(/load\.hono\.hi\.rps samples 26,392.*35,529, spread 33 %: two modes, rerun/);
    // ... and so when it is Wisp's own figure that spread.
    expect(ratioVerdict({ key: 'w', fig: fig(30_000, 20_000, 30_000) }, { key: 'h', fig: fig(30_000, 29_500, 30_500) }, '>=', 0.8, fmt).verdict).toBe('UNSTABLE');
    // At the threshold it still judges.
    expect(ratioVerdict(wisp, { key: 'h', fig: { ...fig(40_000, 30_000, 40_000), spread: UNSTABLE_SPREAD } }, '>=', 0.8, fmt).verdict).toBe('PASS');
  });

  it('says which figure is missing', () => {
    expect(ratioVerdict(wisp, { key: 'load.hono.hi.rps', fig: undefined }, '>=', 0.8, fmt)).toEqual({ value: null, verdict: 'n/a', why: 'missing: load.hono.hi.rps' });
  });
});
