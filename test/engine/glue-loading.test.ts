// Where a component's glue is imported: only on threads that instantiate it. Under isolation
// 'worker' (and 'auto', whose main thread only runs preview1 commands) the main thread reads the
// artifact's meta and compiles its modules, and the workers import the glue — started by a
// 'load' message while the main thread compiles (runtime/engine/engine.ts, worker/main.ts).
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GLUE_FILE } from '../../compiler/artifact.js';
import { Engine } from '../../runtime/engine/engine.js';
import { DEFAULTS } from '../../runtime/functions/defaults.js';
import { ManifestFunctions } from '../../runtime/functions/manifest.js';
import type { FunctionSpec } from '../../runtime/engine/types.js';
import { DATA_DIR, FIXTURES } from '../helpers/paths.js';
import { invokeRequest } from '../helpers/request.js';

let dir: string;
const engines: Engine[] = [];

const spec = (): FunctionSpec => ({ name: 'main-thread-guard', version: '$LATEST', artifactDir: dir, env: {}, ...DEFAULTS });
const req = () => invokeRequest('name=glue', { requestId: 'r', path: '/x', headers: [['host', 'h']], authority: 'h' });

beforeAll(async () => {
  const m = await ManifestFunctions.load(FIXTURES, { cacheDir: DATA_DIR, want: (n) => n === 'hello-js' });
  // hello-js, with a glue that refuses to load on the main thread.
  dir = join(mkdtempSync(join(tmpdir(), 'wisp-glue-')), 'artifact');
  cpSync(m.get('hello-js')!.artifactDir, dir, { recursive: true });
  const glue = join(dir, GLUE_FILE);
  writeFileSync(glue, `import { isMainThread as __wispTestMain } from 'node:worker_threads';\nif (__wispTestMain) throw new Error('glue imported on the main thread');\n${readFileSync(glue, 'utf8')}`);
});
afterAll(async () => {
  await Promise.all(engines.map((e) => e.close()));
});

describe('glue loading', () => {
  it.each(['worker', 'auto'] as const)('isolation %s: the main thread never imports a component’s glue', async (isolation) => {
    const e = new Engine({ isolation });
    engines.push(e);
    for (const tier of ['cold', 'warm']) {
      const r = await e.invoke(spec(), req());
      expect(r.error).toBeUndefined();
      expect(r.tier).toBe(tier);
      expect(Buffer.from(r.response!.body).toString()).toContain('Hello, glue');
    }
  });

  it('isolation inline imports it on the main thread (so the guard above is live)', async () => {
    const e = new Engine({ isolation: 'inline' });
    engines.push(e);
    await expect(e.invoke(spec(), req())).rejects.toThrow('glue imported on the main thread');
  });
});
