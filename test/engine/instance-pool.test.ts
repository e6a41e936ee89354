// The pre-warmed instance pool: refills never make more instances than its size, and a refill
// asked for while one runs resolves only when the pool is full.
import { describe, expect, it } from 'vitest';
import type { GuestInstance } from '../../runtime/engine/instance.js';
import { InstancePool } from '../../runtime/engine/pool.js';

const tick = () => new Promise((r) => setTimeout(r, 5));

function counting() {
  let made = 0;
  const make = async () => {
    made++;
    await tick(); // instantiation yields (an async compile or import on the way)
    return { id: made } as unknown as GuestInstance;
  };
  return { make, made: () => made };
}

describe('InstancePool', () => {
  it('makes exactly `size` instances however many refills overlap', async () => {
    const c = counting();
    const pool = new InstancePool(2, c.make, (e) => {
      throw e;
    });
    await Promise.all([pool.refill(), pool.refill(), pool.refill()]);
    expect(pool.available).toBe(2);
    expect(c.made()).toBe(2);
  });

  it('a refill asked for during the background one waits for it: the pool is full when it resolves', async () => {
    const c = counting();
    const pool = new InstancePool(1, c.make, (e) => {
      throw e;
    });
    await pool.refill();
    expect(pool.take()).toBeDefined(); // schedules the background refill
    await new Promise((r) => setImmediate(r)); // ... which has started
    expect(pool.available).toBe(0);
    await pool.refill();
    expect(pool.available).toBe(1);
    expect(c.made()).toBe(2);
    await tick();
    await tick();
    expect(c.made()).toBe(2); // nothing left running that would make a third
  });

  it('reports a failed make and can be refilled after it', async () => {
    const errors: unknown[] = [];
    let fail = true;
    const pool = new InstancePool(1, async () => {
      if (fail) throw new Error('no memory');
      return {} as GuestInstance;
    }, (e) => errors.push(e));
    await pool.refill();
    expect(errors).toHaveLength(1);
    expect(pool.available).toBe(0);
    fail = false;
    await pool.refill();
    expect(pool.available).toBe(1);
  });
});
