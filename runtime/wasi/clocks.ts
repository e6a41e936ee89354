// wasi:clocks and wasi:random. Guests get real time and real entropy (functions expect both),
// but sleeping on a clock pollable blocks only the guest's own thread.

import { randomBytes } from 'node:crypto';
import { Pollable } from './io.js';

export function clockImports(): Record<string, object> {
  return {
    'wasi:clocks/monotonic-clock': {
      now: () => process.hrtime.bigint(),
      resolution: () => 1n,
      subscribeInstant: (when: bigint) => new Pollable(when),
      subscribeDuration: (d: bigint) => new Pollable(process.hrtime.bigint() + d),
    },
    'wasi:clocks/wall-clock': {
      now: () => {
        const ms = Date.now();
        return { seconds: BigInt(Math.floor(ms / 1000)), nanoseconds: (ms % 1000) * 1e6 };
      },
      resolution: () => ({ seconds: 0n, nanoseconds: 1e6 }),
    },
  };
}

const u64 = () => randomBytes(8).readBigUInt64LE();

export function randomImports(): Record<string, object> {
  const bytes = (len: bigint) => new Uint8Array(randomBytes(Number(len)));
  return {
    'wasi:random/random': { getRandomBytes: bytes, getRandomU64: u64 },
    'wasi:random/insecure': { getInsecureRandomBytes: bytes, getInsecureRandomU64: u64 },
    'wasi:random/insecure-seed': { insecureSeed: (): [bigint, bigint] => [u64(), u64()] },
  };
}
