// Request ids: random (version 4) UUIDs, as Lambda's are. Why not crypto.randomUUID() per
// request: Node builds each one from 20 concatenated pieces (~580 bytes of rope per id, flattened
// again on first use). Here ids are made 256 at a time from one random fill, written as ASCII
// into one buffer and decoded once; each id is a 36-character slice of that string.

import { randomFillSync } from 'node:crypto';

const BATCH = 256;
const HEX = '0123456789abcdef';
// Made on first use: this module is evaluated into the host's startup snapshot.
let raw: Buffer | undefined;
let text: Buffer | undefined;
let ids = '';
let next = BATCH;

export function requestId(): string {
  if (next === BATCH) refill();
  const at = 36 * next++;
  return ids.slice(at, at + 36);
}

function refill(): void {
  raw ??= Buffer.alloc(16 * BATCH);
  text ??= Buffer.alloc(36 * BATCH);
  randomFillSync(raw);
  let t = 0;
  for (let r = 0; r < raw.length; r += 16) {
    raw[r + 6] = (raw[r + 6]! & 0x0f) | 0x40; // version 4
    raw[r + 8] = (raw[r + 8]! & 0x3f) | 0x80; // RFC 4122 variant
    for (let b = 0; b < 16; b++) {
      if (b === 4 || b === 6 || b === 8 || b === 10) text[t++] = 0x2d; // '-'
      const v = raw[r + b]!;
      text[t++] = HEX.charCodeAt(v >> 4);
      text[t++] = HEX.charCodeAt(v & 15);
    }
  }
  ids = text.toString('latin1');
  next = 0;
}
