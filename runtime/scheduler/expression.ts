// Schedule expressions in EventBridge's two forms, evaluated in UTC:
//   rate(5 minutes) | rate(1 hour) | rate(2 days)   (Wisp also accepts seconds: rate(10 seconds))
//   cron(Minutes Hours Day-of-month Month Day-of-week Year), e.g. cron(0 12 * * ? *)
// Supported in cron fields: * ? , - / and month (JAN-DEC) and weekday (SUN-SAT, SUN=1) names.
// Not supported (rejected with a clear message): L, W and #.

export class ExpressionError extends Error {}

export type Schedule = { kind: 'rate'; everyMs: number } | { kind: 'cron'; fields: CronFields };

interface CronFields {
  minutes: Set<number>;
  hours: Set<number>;
  dom: Set<number> | null; // null = '?'
  months: Set<number>;
  dow: Set<number> | null; // 1..7, SUN=1
  years: Set<number> | null; // null = '*'
}

const UNITS: Record<string, number> = { second: 1000, minute: 60_000, hour: 3_600_000, day: 86_400_000 };
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

function field(src: string, name: string, lo: number, hi: number, names: string[] = [], nameBase = 1): Set<number> {
  const out = new Set<number>();
  const num = (t: string): number => {
    const i = names.indexOf(t.toUpperCase());
    const n = i >= 0 ? i + nameBase : Number(t);
    if (!Number.isInteger(n) || n < lo || n > hi) throw new ExpressionError(`cron ${name}: ${JSON.stringify(t)} is not in ${lo}-${hi}`);
    return n;
  };
  for (const part of src.split(',')) {
    // L (last), W (weekday) and # (nth weekday) forms; month/day names like JUL or WED are fine.
    if (/#|^\d*L$|^\d+W$|^LW$/i.test(part)) throw new ExpressionError(`cron ${name}: L, W and # are not supported (${part})`);
    const [range, stepText] = part.split('/') as [string, string | undefined];
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new ExpressionError(`cron ${name}: bad step in ${JSON.stringify(part)}`);
    let a: number;
    let b: number;
    if (range === '*') [a, b] = [lo, hi];
    else if (range.includes('-')) {
      const [x, y] = range.split('-') as [string, string];
      [a, b] = [num(x), num(y)];
    } else [a, b] = [num(range), stepText === undefined ? num(range) : hi];
    if (a > b) throw new ExpressionError(`cron ${name}: range ${range} is backwards`);
    for (let v = a; v <= b; v += step) out.add(v);
  }
  return out;
}

export function parseSchedule(expr: string): Schedule {
  const e = expr.trim();
  const rate = /^rate\(\s*(\d+)\s+([a-z]+?)s?\s*\)$/i.exec(e);
  if (rate) {
    const n = Number(rate[1]);
    const unit = UNITS[rate[2]!.toLowerCase()];
    if (!unit) throw new ExpressionError(`rate(): unit must be seconds, minutes, hours or days, got ${rate[2]}`);
    if (n < 1) throw new ExpressionError('rate(): the value must be a positive integer');
    return { kind: 'rate', everyMs: n * unit };
  }
  const cron = /^cron\((.*)\)$/i.exec(e);
  if (!cron) throw new ExpressionError(`schedule expression must be rate(...) or cron(...), got ${JSON.stringify(expr)}`);
  const parts = cron[1]!.trim().split(/\s+/);
  if (parts.length !== 6) throw new ExpressionError(`cron() takes 6 fields (minutes hours day-of-month month day-of-week year), got ${parts.length}`);
  const [mi, h, dom, mo, dow, y] = parts as [string, string, string, string, string, string];
  if ((dom === '?') === (dow === '?')) throw new ExpressionError('cron(): exactly one of day-of-month and day-of-week must be ?');
  return {
    kind: 'cron',
    fields: {
      minutes: field(mi, 'minutes', 0, 59),
      hours: field(h, 'hours', 0, 23),
      dom: dom === '?' ? null : field(dom, 'day-of-month', 1, 31),
      months: field(mo, 'month', 1, 12, MONTHS),
      dow: dow === '?' ? null : field(dow, 'day-of-week', 1, 7, DAYS),
      years: y === '*' ? null : field(y, 'year', 1970, 2199),
    },
  };
}

const DAY = 86_400_000;

/** The first fire time strictly after `after` (ms since epoch); for rates, on the grid of `anchor`. */
export function nextFire(s: Schedule, after: number, anchor = 0): number | undefined {
  if (s.kind === 'rate') return anchor + (Math.floor((after - anchor) / s.everyMs) + 1) * s.everyMs;
  const f = s.fields;
  const start = new Date(after);
  let day = Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate());
  // Five years of days bounds the search (a year field may rule out everything).
  for (let i = 0; i < 366 * 5; i++, day += DAY) {
    const d = new Date(day);
    if (f.years && !f.years.has(d.getUTCFullYear())) continue;
    if (!f.months.has(d.getUTCMonth() + 1)) continue;
    if (f.dom && !f.dom.has(d.getUTCDate())) continue;
    if (f.dow && !f.dow.has(d.getUTCDay() + 1)) continue;
    for (const h of [...f.hours].sort((a, b) => a - b)) {
      for (const m of [...f.minutes].sort((a, b) => a - b)) {
        const t = day + h * 3_600_000 + m * 60_000;
        if (t > after) return t;
      }
    }
  }
  return undefined;
}
