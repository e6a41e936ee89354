import { describe, expect, it } from 'vitest';
import { requestId } from './request-id.js';

describe('requestId', () => {
  it('makes version 4 UUIDs, all different, across many batches', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const id = requestId();
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      seen.add(id);
    }
    expect(seen.size).toBe(2000);
  });

  it('uses every hex digit in every free position (no stuck bits)', () => {
    const ids = Array.from({ length: 1000 }, requestId);
    for (let pos = 0; pos < 36; pos++) {
      if ([8, 13, 18, 23, 14, 19].includes(pos)) continue;
      expect([pos, new Set(ids.map((id) => id[pos])).size]).toEqual([pos, 16]);
    }
  });
});
