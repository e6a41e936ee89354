// How a ratio target is judged: the ratio of two medians measured in the same run, unless either
// figure's samples say its subject ran in two modes during the run (then UNSTABLE, not a pass
// or a miss: bare Hono's throughput here is 26–30k or 41–44k req/s per sample).

import type { Figure, Target } from './report.js';

/** A figure whose spread ((p90 - min) / median) is over this is UNSTABLE. Bare Hono's throughput
 *  spreads 1–4 % in most runs here, and 25–33 % when some of its samples fall in its low mode. */
export const UNSTABLE_SPREAD = 0.25;

type Subject = Pick<Figure, 'median' | 'min' | 'max' | 'spread' | 'unit'>;

export function ratioVerdict(
  a: { key: string; fig: Subject | undefined },
  b: { key: string; fig: Subject | undefined },
  cmp: '<=' | '>=',
  limit: number,
  fmt: (v: number, unit: string) => string,
): Pick<Target, 'value' | 'verdict' | 'why'> {
  const x = a.fig?.median ?? null;
  const y = b.fig?.median ?? null;
  if (x === null || y === null || y === 0) {
    return { value: null, verdict: 'n/a', why: `missing: ${[a, b].filter((s) => (s.fig?.median ?? null) === null).map((s) => s.key).join(', ')}` };
  }
  const value = x / y;
  const ok = cmp === '<=' ? value <= limit : value >= limit;
  const unstable = [a, b].filter((s) => (s.fig!.spread ?? 0) > UNSTABLE_SPREAD);
  const why =
    `${fmt(x, a.fig!.unit)} vs ${fmt(y, b.fig!.unit)}` +
    unstable
      .map((s) => `; ${s.key} samples ${fmt(s.fig!.min ?? NaN, s.fig!.unit)}–${fmt(s.fig!.max ?? NaN, s.fig!.unit)}, spread ${Math.round(s.fig!.spread! * 100)} %: two modes, rerun`)
      .join('');
  return { value, verdict: unstable.length > 0 ? 'UNSTABLE' : ok ? 'PASS' : 'MISS', why };
}
