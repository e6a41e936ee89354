// Scalar WASI imports (runtime/wasi/direct.ts) reach the core module as the host's own functions,
// while everything that needs jco's lowering (resources, records, lists) keeps the glue's.
import { describe, expect, it } from 'vitest';
import { lowerScalarImports } from '../../runtime/wasi/direct.js';
import { createWasiHost } from '../../runtime/wasi/index.js';

const glue = (name: string) => Object.assign(() => 0, { glue: name });

describe('lowerScalarImports', () => {
  const host = createWasiHost({ env: {}, args: ['f'], stdoutLimit: 1024, stderrLimit: 1024, stdoutIsResponse: false, responseLimit: 1024 });
  const hostClock = host.imports['wasi:clocks/monotonic-clock'] as Record<string, unknown>;
  const hostRandom = host.imports['wasi:random/random'] as Record<string, unknown>;

  it('binds u64-returning functions of any 0.2.x version straight to the host', () => {
    const imports = {
      'wasi:clocks/monotonic-clock@0.2.10': { now: glue('now'), resolution: glue('res'), 'subscribe-duration': glue('sub') },
      'wasi:random/random@0.2.12': { 'get-random-u64': glue('u64'), 'get-random-bytes': glue('bytes') },
      'wasi:clocks/wall-clock@0.2.10': { now: glue('wall') },
      'wasi:http/types@0.2.10': { '[method]fields.entries': glue('entries') },
    };
    const out = lowerScalarImports(imports, host.imports) as Record<string, Record<string, unknown>>;
    expect(out['wasi:clocks/monotonic-clock@0.2.10']!.now).toBe(hostClock.now);
    expect(out['wasi:clocks/monotonic-clock@0.2.10']!.resolution).toBe(hostClock.resolution);
    expect(out['wasi:random/random@0.2.12']!['get-random-u64']).toBe(hostRandom.getRandomU64);
    // Resources, lists and records still go through the glue.
    expect(out['wasi:clocks/monotonic-clock@0.2.10']!['subscribe-duration']).toBe(imports['wasi:clocks/monotonic-clock@0.2.10']['subscribe-duration']);
    expect(out['wasi:random/random@0.2.12']!['get-random-bytes']).toBe(imports['wasi:random/random@0.2.12']['get-random-bytes']);
    expect(out['wasi:clocks/wall-clock@0.2.10']).toBe(imports['wasi:clocks/wall-clock@0.2.10']);
    expect(out['wasi:http/types@0.2.10']).toBe(imports['wasi:http/types@0.2.10']);
    // The glue's own objects are left as they were.
    expect(imports['wasi:clocks/monotonic-clock@0.2.10'].now.glue).toBe('now');
  });

  it('returns values a core module reads as the same i64 the glue would give it', () => {
    expect(typeof (hostClock.now as () => unknown)()).toBe('bigint');
    const r = (hostRandom.getRandomU64 as () => bigint)();
    expect(r >= 0n && r < 2n ** 64n).toBe(true);
  });
});
