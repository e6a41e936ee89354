// The console log: every guest line and REPORT line reaches the stream whole and in order,
// batched into few writes, however long or non-ASCII the lines are.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { LOG_TRUNCATED, reportLine, StreamLog, type InvocationRecord } from '../../runtime/http/log.js';

const rec = (i: number, logs: string[], logsTruncated = false): InvocationRecord => ({
  fn: 'f',
  version: '$LATEST',
  requestId: `req-${i}`,
  status: 200,
  result: { tier: 'warm', shape: 'command', logs, logsTruncated, durationMs: 0.25, fuelUsed: 10 },
});

function sink() {
  const writes: Buffer[] = [];
  const out = new Writable({
    write(chunk: Buffer, _enc, done) {
      writes.push(chunk); // kept as handed over: a buffer reused after write() would show here
      done();
    },
  });
  return { out, writes, text: () => Buffer.concat(writes).toString('utf8') };
}

describe('StreamLog', () => {
  it('writes guest lines then the REPORT line, prefixed with time, function and request id', () => {
    const s = sink();
    const log = new StreamLog(s.out);
    const r = rec(1, ['hello', 'ünïcødé ✓ 𝄞'], true);
    log.record(r);
    expect(s.writes).toHaveLength(0); // held for the batch
    log.flush();
    const lines = s.text().split('\n');
    expect(lines.at(-1)).toBe('');
    expect(lines.slice(0, -1).map((l) => l.replace(/^\S+ /, ''))).toEqual([
      'f req-1 hello',
      'f req-1 ünïcødé ✓ 𝄞',
      `f req-1 ${LOG_TRUNCATED}`,
      `f ${reportLine(r)}`,
    ]);
    expect(lines[0]!.split(' ')[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('keeps every line whole and in order, long and short, in few writes', () => {
    const s = sink();
    const log = new StreamLog(s.out);
    const long = 'x'.repeat(100_000) + 'é';
    const want: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const lines = i === 1500 ? [long, `after ${i}`] : [`line ${i}`];
      const r = rec(i, lines);
      log.record(r);
      for (const l of lines) want.push(`f req-${i} ${l}`);
      want.push(`f ${reportLine(r)}`);
    }
    log.flush();
    const got = s.text().split('\n').slice(0, -1).map((l) => l.replace(/^\S+ /, ''));
    expect(got.length).toBe(want.length);
    expect(got).toEqual(want);
    // Batched: far fewer writes than lines, none of them empty.
    expect(s.writes.length).toBeLessThan(want.length / 50);
    expect(s.writes.every((w) => w.length > 0)).toBe(true);
  });

  it('writes on its own within the flush interval', async () => {
    const s = sink();
    const log = new StreamLog(s.out);
    log.record(rec(1, []));
    await new Promise((r) => setTimeout(r, 100));
    expect(s.text()).toContain('REPORT RequestId: req-1\t');
  });
});
