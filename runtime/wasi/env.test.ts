// EnvList: what environ_sizes_get and environ_get give a guest, whichever lists were measured
// in between (the variables are encoded once, into a scratch buffer shared by all lists).
import { describe, expect, it } from 'vitest';
import { EnvList, envBlock } from './env.js';

const dec = new TextDecoder();

function read(list: EnvList): string[] {
  const memory = new Uint8Array(8192);
  const dv = new DataView(memory.buffer);
  list.write(memory, dv, 16, 2048);
  return Array.from({ length: list.count }, (_, i) => {
    const at = dv.getUint32(16 + i * 4, true);
    return dec.decode(memory.subarray(at, memory.indexOf(0, at)));
  });
}

describe('EnvList', () => {
  it('writes the fixed block, then the variables, each with its pointer', () => {
    const l = new EnvList(envBlock([['A', '1'], ['B', 'ü']]), ['C', '3', 'D', 'x'.repeat(3000)]);
    expect(l.count).toBe(4);
    expect(l.size()).toBe(Buffer.byteLength(`A=1\0B=ü\0C=3\0D=${'x'.repeat(3000)}\0`));
    expect(read(l)).toEqual(['A=1', 'B=ü', 'C=3', `D=${'x'.repeat(3000)}`]);
    expect(l.toRecord()).toEqual({ A: '1', B: 'ü', C: '3', D: 'x'.repeat(3000) });
  });

  it('writes its own variables when another list was measured since', () => {
    const a = new EnvList(envBlock([]), ['K', 'a-value', 'Z', '✓']);
    const b = EnvList.of({ K: 'b', Q: 'q' });
    const sizeA = a.size();
    expect(b.size()).toBe('K=b\0Q=q\0'.length);
    expect(read(a)).toEqual(['K=a-value', 'Z=✓']);
    expect(a.size()).toBe(sizeA);
    expect(read(b)).toEqual(['K=b', 'Q=q']);
    expect(read(EnvList.of({}))).toEqual([]);
  });
});
