// CI runs the bench suite in --quick mode as a smoke test: it must run to the end and write a
// well-formed report. No timing is asserted here (figures live in bench/results, not in tests).
import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/paths.js';

describe('bench --quick', () => {
  it('runs every section and writes json, markdown and an svg chart', async () => {
    const out = await mkdtemp(join(tmpdir(), 'wisp-bench-'));
    const r = await new Promise<{ code: number; stderr: string }>((resolve) =>
      execFile(process.execPath, [join(ROOT, 'dist/bench/index.js'), '--quick', '--out', out], { cwd: ROOT, maxBuffer: 64 << 20, timeout: 600_000 }, (err, _o, stderr) =>
        resolve({ code: err ? 1 : 0, stderr }),
      ),
    );
    expect(r.stderr.split('\n').filter((l) => /Error|error:/.test(l) && !/n\/a/.test(l))).toEqual([]);
    expect(r.code).toBe(0);
    const report = JSON.parse(await readFile(join(out, 'latest.json'), 'utf8')) as { machine: Record<string, unknown>; figures: Record<string, { median?: number; unit?: string; note?: string }>; targets?: unknown[] };
    expect(report.machine).toHaveProperty('node');
    const measured = Object.entries(report.figures).filter(([, f]) => typeof f.median === 'number');
    expect(measured.length).toBeGreaterThan(10);
    for (const name of ['inproc.wisp-worker.hello-c.warm', 'inproc.wisp-inline.hello-js.prewarmed', 'inproc.wasmtime.hello-c.warm', 'spawn.wisp.hello-c', 'spawn.wisp-esm.hello-c']) {
      expect(report.figures[name]?.median, name).toBeGreaterThan(0);
    }
    // The host under test started from the startup snapshot, not from the fallback.
    expect(report.figures['spawn.wisp.hello-c']?.note).toMatch(/^bin\/wisp-host \(V8 startup snapshot\)/);
    expect(await readFile(join(out, 'latest.md'), 'utf8')).toMatch(/\| .* \|/);
    expect(await readFile(join(out, 'latest.svg'), 'utf8')).toMatch(/^(<\?xml[^>]*>\s*)?<svg[\s\S]*<\/svg>\s*$/);
  }, 600_000);
});
