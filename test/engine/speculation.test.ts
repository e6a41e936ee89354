// Isolation 'auto' (runtime/engine/speculation.ts): small preview1 commands run on the calling
// thread on a bounded slice; a run that leaves it starts over in a worker. Whatever happens, an
// invocation must get exactly the answer it gets in a worker, and a function that left its slice
// must not cost the calling thread a slice per request.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../runtime/engine/engine.js';
import { Executor } from '../../runtime/engine/executor.js';
import { compileArtifact, loadArtifact } from '../../runtime/engine/loader.js';
import { SLICE_FUEL, speculationEligible } from '../../runtime/engine/speculation.js';
import type { FunctionSpec, InvokeResult } from '../../runtime/engine/types.js';
import { ManifestFunctions } from '../../runtime/functions/manifest.js';
import { DATA_DIR, FIXTURES } from '../helpers/paths.js';
import { invokeRequest } from '../helpers/request.js';

const dec = new TextDecoder();
const request = (query: string) => invokeRequest(query, { requestId: `spec-${query}` });
const answer = (r: InvokeResult) => (r.error ? r.error.code : `${r.response!.status} ${dec.decode(r.response!.body)}`);

let fns: ManifestFunctions;
let auto: Engine;
let worker: Engine;

beforeAll(async () => {
  fns = await ManifestFunctions.load(FIXTURES, { cacheDir: DATA_DIR });
  auto = new Engine({ isolation: 'auto', minWorkers: 1 });
  worker = new Engine({ isolation: 'worker', minWorkers: 1 });
});
afterAll(async () => {
  await auto.close();
  await worker.close();
});

describe("isolation 'auto'", () => {
  it('answers a small command on the calling thread, exactly as a worker does', async () => {
    const spec = fns.get('hello-c')!;
    const before = auto.stats();
    const a = await auto.invoke(spec, request('name=spec'));
    const w = await worker.invoke(spec, request('name=spec'));
    expect(answer(a)).toBe(answer(w));
    expect(answer(a)).toContain('Hello, spec');
    expect(a.fuelUsed).toBe(w.fuelUsed);
    expect(auto.stats()).toMatchObject({ speculated: before.speculated + 1, speculationsAbandoned: before.speculationsAbandoned });
  });

  // Each mode of the adversarial guest, under its own version (each has its own back-off).
  const modes = ['loop', 'clock', 'sleep', 'bomb', 'recurse', 'stack', 'output', 'logs', 'trap', 'exit', 'ok'];
  it.each(modes)('gives adv-c?%s the answer a worker gives', { timeout: 20_000 }, async (mode) => {
    const spec: FunctionSpec = { ...fns.get('adv-c')!, version: `mode-${mode}` };
    const [a, w] = await Promise.all([auto.invoke(spec, request(mode)), worker.invoke(spec, request(mode))]);
    expect(a.error?.code).toBe(w.error?.code);
    expect(a.response?.status).toBe(w.response?.status);
    if (a.response) expect(dec.decode(a.response.body)).toBe(dec.decode(w.response!.body));
  });

  it('answers at once (invokeNow) only what it can run here without waiting', async () => {
    const spec: FunctionSpec = { ...fns.get('hello-c')!, version: 'now' };
    const fresh = new Engine({ isolation: 'auto', minWorkers: 1 });
    try {
      // Nothing read or compiled yet: the caller must invoke() (which may wait).
      expect(fresh.invokeNow(spec, request('name=now'))).toBeUndefined();
      expect(answer(await fresh.invoke(spec, request('name=now')))).toContain('Hello, now');
      const s0 = fresh.stats();
      const r = fresh.invokeNow(spec, request('name=sync'));
      expect([r?.tier, answer(r!)]).toEqual(['warm', expect.stringContaining('Hello, sync')]);
      expect(r!.durationMs).toBeGreaterThan(0);
      expect(fresh.stats().speculated).toBe(s0.speculated + 1);
      // A function that does not run on this thread (reused instances live in workers).
      const reused: FunctionSpec = { ...spec, version: 'now-reuse', reuse: true };
      await fresh.invoke(reused, request(''));
      expect(fresh.invokeNow(reused, request(''))).toBeUndefined();
    } finally {
      await fresh.close();
    }
    // Under isolation 'worker' nothing runs on the calling thread.
    await worker.invoke(spec, request(''));
    expect(worker.invokeNow(spec, request(''))).toBeUndefined();
  });

  it('leaves a run that left its slice to invoke(), which sends it to a worker', async () => {
    const spec: FunctionSpec = { ...fns.get('adv-c')!, version: 'now-bomb' };
    await auto.invoke(spec, request('ok')); // read, compiled, on this thread's executor
    const s0 = auto.stats();
    expect(auto.invokeNow(spec, request('bomb'))).toBeUndefined();
    expect(auto.stats().speculationsAbandoned).toBe(s0.speculationsAbandoned + 1);
    expect((await auto.invoke(spec, request('bomb'))).error?.code).toBe('MemoryLimitExceeded');
    expect(auto.stats()).toMatchObject({ speculated: s0.speculated, speculationsAbandoned: s0.speculationsAbandoned + 1 });
  });

  it('sends a function that left its slice straight to workers afterwards', async () => {
    const spec: FunctionSpec = { ...fns.get('adv-c')!, version: 'backoff' };
    const s0 = auto.stats();
    expect((await auto.invoke(spec, request('bomb'))).error?.code).toBe('MemoryLimitExceeded');
    const s1 = auto.stats();
    expect(s1.speculationsAbandoned).toBe(s0.speculationsAbandoned + 1);
    // Even a request that would fit the slice now runs in a worker, without a speculative try.
    expect(answer(await auto.invoke(spec, request('ok')))).toContain('ok ok');
    expect(auto.stats()).toMatchObject({ speculated: s1.speculated, speculationsAbandoned: s1.speculationsAbandoned });
  });

  it('keeps a budget smaller than the slice: running out is the answer, not a reason to start over', async () => {
    const spec: FunctionSpec = { ...fns.get('adv-c')!, version: 'small-fuel', fuel: SLICE_FUEL / 4 };
    const s0 = auto.stats();
    expect((await auto.invoke(spec, request('loop'))).error?.code).toBe('FuelExhausted');
    expect(auto.stats()).toMatchObject({ speculated: s0.speculated + 1, speculationsAbandoned: s0.speculationsAbandoned });
  });

  it('abandons, rather than answers, every run that leaves a bound', async () => {
    const spec = fns.get('adv-c')!;
    const art = await loadArtifact(spec.artifactDir, { preview1: true });
    const ex = new Executor(auto.io, () => undefined);
    ex.addArtifact({ art, compiled: await compileArtifact(art) });
    // fuel slice, host-call allowance (a clock-polling loop), sleep, memory.grow, engine stack
    for (const mode of ['loop', 'clock', 'sleep', 'bomb', 'recurse']) expect(ex.speculate(spec, request(mode), false)).toBeUndefined();
    expect(answer(ex.speculate(spec, request('ok'), false)!)).toContain('ok ok');
    ex.close();
  });

  it('leaves components, pooled and reused functions to workers', async () => {
    const load = async (name: string) => ({ spec: fns.get(name)!, art: await loadArtifact(fns.get(name)!.artifactDir, { preview1: true }) });
    const c = await load('hello-c');
    expect(speculationEligible(c.art, c.spec)).toBe(true);
    const js = await load('hello-js');
    expect(speculationEligible(js.art, js.spec)).toBe(false);
    const pooled = await load('pooled-c');
    expect(speculationEligible(pooled.art, pooled.spec)).toBe(false);
    expect(speculationEligible(c.art, { ...c.spec, timeoutMs: 50 })).toBe(false);
  });
});
