// ByteSink: a guest's stdout/stderr. What it hands out must never change afterwards — a response
// body is a view of it, and the host's sinks are emptied and written again by the next invocation
// of a recycled instance.
import { describe, expect, it } from 'vitest';
import { ByteSink } from './sink.js';

const enc = new TextEncoder();
const dec = new TextDecoder();
const text = (b: Uint8Array) => dec.decode(b);

describe('ByteSink', () => {
  it('joins writes, short and long, from ranges of a larger buffer', () => {
    const s = new ByteSink(1 << 20);
    const memory = enc.encode('xxHello, yy' + 'z'.repeat(1000));
    expect(s.write(memory, 2, 9)).toBe(true);
    expect(s.push(enc.encode('!'))).toBe(true);
    expect(s.write(memory, 11, 1011)).toBe(true);
    expect(s.length).toBe(1008);
    expect(text(s.bytes())).toBe('Hello, !' + 'z'.repeat(1000));
  });

  it('copies: later changes to the source do not show', () => {
    const s = new ByteSink(100);
    const memory = enc.encode('abc');
    s.write(memory, 0, 3);
    memory[0] = 0x5a;
    expect(text(s.bytes())).toBe('abc');
  });

  it('hands out views that neither later writes, growth nor a reset change', () => {
    const s = new ByteSink(1 << 20);
    s.push(enc.encode('first'));
    const a = s.bytes();
    s.push(enc.encode(' more'.repeat(200))); // past the first buffer: it grows
    const b = s.bytes();
    s.reset();
    expect(s.length).toBe(0);
    expect(s.bytes().length).toBe(0);
    s.push(enc.encode('second'));
    expect(text(a)).toBe('first');
    expect(text(b)).toBe('first' + ' more'.repeat(200));
    expect(text(s.bytes())).toBe('second');
  });

  it('keeps what fits under the cap, says so once, and is usable again after a reset', () => {
    let told = 0;
    const s = new ByteSink(10, () => told++);
    expect(s.push(enc.encode('12345678'))).toBe(true);
    expect(s.push(enc.encode('abcd'))).toBe(false);
    expect(s.push(enc.encode('e'))).toBe(false);
    expect([text(s.bytes()), s.overflowed, told]).toEqual(['12345678ab', true, 1]);
    s.reset();
    expect([s.overflowed, s.length]).toEqual([false, 0]);
    expect(s.push(enc.encode('0123456789'))).toBe(true);
    expect(s.push(new Uint8Array(0))).toBe(true);
    expect(s.push(enc.encode('x'))).toBe(false);
    expect(told).toBe(2);
  });

  it('with a cap of zero, refuses everything without allocating room', () => {
    const s = new ByteSink(0);
    expect(s.push(enc.encode('a'))).toBe(false);
    expect(s.bytes().length).toBe(0);
  });
});
