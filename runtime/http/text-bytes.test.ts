import { describe, expect, it } from 'vitest';
import { putInt, putText } from './text-bytes.js';

describe('text bytes', () => {
  it('writes text as UTF-8, ASCII or not, and says where it ended', () => {
    const buf = Buffer.alloc(64, 0xff);
    let at = putText(buf, 0, 'ab');
    at = putText(buf, at, 'é✓𝄞x');
    at = putText(buf, at, '');
    expect(buf.subarray(0, at).toString('utf8')).toBe('abé✓𝄞x');
    expect(at).toBe(Buffer.byteLength('abé✓𝄞x'));
    expect(buf[at]).toBe(0xff);
  });

  it('writes integers as String() does', () => {
    const buf = Buffer.alloc(64);
    for (const n of [0, 7, 10, 99, 100, 12345, -1, -120, 2 ** 53 - 1, 1e21, 0.5, -0]) {
      const end = putInt(buf, 3, n);
      expect([n, buf.subarray(3, end).toString()]).toEqual([n, String(n)]);
    }
  });
});
