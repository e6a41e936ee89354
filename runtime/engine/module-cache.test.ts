// The compiled-module LRU: what it evicts first must be the least recently used, however often
// the most recent one is asked for (gets of the newest entry move nothing).
import { describe, expect, it } from 'vitest';
import { ModuleCache, type CompiledArtifact } from './module-cache.js';

const art = (bytes: number): CompiledArtifact => ({ modules: new Map(), bytes });

describe('ModuleCache', () => {
  it('evicts the least recently used entry past its budget, never the one just added', () => {
    const evicted: string[] = [];
    const c = new ModuleCache(300, (k) => evicted.push(k));
    c.set('a', art(100));
    c.set('b', art(100));
    c.set('c', art(100));
    for (let i = 0; i < 3; i++) c.get('c');
    c.get('a'); // a is now the newest, b the oldest
    c.get('a');
    c.set('d', art(100));
    expect(evicted).toEqual(['b']);
    c.get('c');
    c.set('e', art(150));
    expect(evicted).toEqual(['b', 'a', 'd']);
    expect([c.get('c'), c.get('e')].map((x) => x?.bytes)).toEqual([100, 150]);
    c.set('huge', art(1000));
    expect(c.size).toBe(1);
    expect(c.get('huge')?.bytes).toBe(1000);
  });

  it('forgets a deleted newest entry: a later get of it misses, the next set is newest', () => {
    const evicted: string[] = [];
    const c = new ModuleCache(200, (k) => evicted.push(k));
    c.set('a', art(100));
    c.set('b', art(100));
    c.delete('b');
    expect(c.get('b')).toBeUndefined();
    c.set('b', art(100));
    c.get('a');
    c.set('c', art(100));
    expect(evicted).toEqual(['b']);
    expect(c.usedBytes).toBe(200);
  });
});
