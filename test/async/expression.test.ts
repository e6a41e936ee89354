import { describe, expect, it } from 'vitest';
import { ExpressionError, nextFire, parseSchedule } from '../../runtime/scheduler/expression.js';

const at = (iso: string) => Date.parse(iso);
const next = (expr: string, after: string, anchor = 0) => new Date(nextFire(parseSchedule(expr), at(after), anchor)!).toISOString();

describe('schedule expressions (EventBridge forms, UTC)', () => {
  it('rate() fires on the grid of its anchor', () => {
    const anchor = at('2026-01-01T00:00:00Z');
    expect(next('rate(5 minutes)', '2026-01-01T00:07:00Z', anchor)).toBe('2026-01-01T00:10:00.000Z');
    expect(next('rate(1 hour)', '2026-01-01T00:00:00Z', anchor)).toBe('2026-01-01T01:00:00.000Z');
    expect(next('rate(2 days)', '2026-01-02T12:00:00Z', anchor)).toBe('2026-01-03T00:00:00.000Z');
    expect(next('rate(10 seconds)', '2026-01-01T00:00:05Z', anchor)).toBe('2026-01-01T00:00:10.000Z');
  });

  it('cron() handles lists, ranges, steps, names and ?', () => {
    expect(next('cron(0 12 * * ? *)', '2026-03-01T12:00:00Z')).toBe('2026-03-02T12:00:00.000Z');
    expect(next('cron(15 10 ? * MON-FRI *)', '2026-11-28T00:00:00Z')).toBe('2026-11-30T10:15:00.000Z'); // Sat -> Mon
    expect(next('cron(0/15 * * * ? *)', '2026-01-01T00:16:00Z')).toBe('2026-01-01T00:30:00.000Z');
    expect(next('cron(0 8 1 JAN,JUL ? *)', '2026-02-01T00:00:00Z')).toBe('2026-07-01T08:00:00.000Z');
    expect(next('cron(0 0 29 2 ? *)', '2026-03-01T00:00:00Z')).toBe('2028-02-29T00:00:00.000Z');
    expect(next('cron(30 9 ? * 1 2027)', '2026-06-01T00:00:00Z')).toBe('2027-01-03T09:30:00.000Z'); // first Sunday
  });

  it('rejects what EventBridge rejects or Wisp does not support, with a reason', () => {
    const bad: [string, RegExp][] = [
      ['every 5 minutes', /rate\(\.\.\.\) or cron/],
      ['rate(0 minutes)', /positive/],
      ['rate(5 weeks)', /unit/],
      ['cron(0 12 * * * *)', /exactly one of day-of-month and day-of-week/],
      ['cron(0 12 * *)', /6 fields/],
      ['cron(61 12 * * ? *)', /minutes/],
      ['cron(0 12 L * ? *)', /L, W and #/],
    ];
    for (const [expr, why] of bad) expect(() => parseSchedule(expr), expr).toThrow(ExpressionError);
    for (const [expr, why] of bad) expect(() => parseSchedule(expr)).toThrow(why);
  });
});
