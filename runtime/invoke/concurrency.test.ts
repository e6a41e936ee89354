// Reserved concurrency: counts per function that go back to zero and let the next ones in.
import { describe, expect, it } from 'vitest';
import { ConcurrencyGate } from './concurrency.js';

describe('ConcurrencyGate', () => {
  it('admits up to the limit per function, and again after releases', () => {
    const g = new ConcurrencyGate();
    expect([g.tryAcquire('f', 2), g.tryAcquire('f', 2), g.tryAcquire('f', 2)]).toEqual([true, true, false]);
    expect(g.tryAcquire('other', 1)).toBe(true);
    expect([g.current('f'), g.total()]).toEqual([2, 3]);
    g.release('f');
    expect(g.tryAcquire('f', 2)).toBe(true);
    g.release('f');
    g.release('f');
    g.release('other');
    expect([g.current('f'), g.current('other'), g.total()]).toEqual([0, 0, 0]);
    // A release too many never goes below zero.
    g.release('f');
    expect(g.current('f')).toBe(0);
    expect([g.tryAcquire('f', 1), g.tryAcquire('f', 1)]).toEqual([true, false]);
    expect(g.tryAcquire('unlimited', null)).toBe(true);
  });

  it('stays bounded with many functions', () => {
    const g = new ConcurrencyGate();
    for (let i = 0; i < 5000; i++) {
      g.tryAcquire(`f${i}`, null);
      g.release(`f${i}`);
    }
    expect(g.total()).toBe(0);
    expect((g as unknown as { inFlight: Map<string, number> }).inFlight.size).toBeLessThanOrEqual(1025);
  });
});
