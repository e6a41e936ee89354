// Text written straight into byte buffers as UTF-8: the console's and the log store's lines are
// built from a handful of short, nearly always ASCII, pieces per invocation, and joining them
// into strings first cost a rope per line, its flattening and a second pass to encode it
// (docs/bench.md, 5e). The caller makes room first (at most 3 bytes per UTF-16 unit).

/** Writes `s` at `at`; returns the offset after it. */
export function putText(buf: Buffer, at: number, s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) return at + i + buf.write(s.slice(i), at + i, 'utf8');
    buf[at + i] = c;
  }
  return at + s.length;
}

/** Writes an integer in decimal at `at`; returns the offset after it. */
export function putInt(buf: Buffer, at: number, n: number): number {
  if (!Number.isSafeInteger(n)) return putText(buf, at, String(n));
  if (n < 0) {
    buf[at++] = 0x2d; // '-'
    n = -n;
  }
  let digits = 1;
  for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++;
  for (let i = at + digits - 1; i >= at; i--) {
    buf[i] = 0x30 + (n % 10);
    n = Math.floor(n / 10);
  }
  return at + digits;
}

/** The most bytes putText may write for `s`. */
export const maxBytes = (s: string): number => 3 * s.length;
