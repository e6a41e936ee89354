// The `wisp` CLI end to end: scaffold a function in every language with `wisp new`, deploy it to a
// real host with `wisp deploy` (the host builds it), call it over HTTP and with `wisp invoke`,
// and read `wisp ls`, `wisp versions` and `wisp logs`.
import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHost, type TestHost } from '../helpers/host.js';
import { ROOT } from '../helpers/paths.js';

let host: TestHost;
let work: string;

function wisp(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(ROOT, 'bin/wisp.js'), ...args],
      { cwd: work, env: { ...process.env, WISP_ENDPOINT: host.url, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' }, maxBuffer: 16 << 20 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'wisp-cli-'));
  host = await startTestHost();
});
afterAll(async () => {
  await host?.close();
});

const LANGS = ['c', 'js', 'ts', 'rust', 'go', 'assemblyscript', 'python', 'ruby'];

describe('wisp new + wisp deploy, every language', () => {
  for (const lang of LANGS) {
    it(`scaffolds, deploys and serves a ${lang} function`, async () => {
      const name = `new-${lang}`;
      const created = await wisp('new', lang, name);
      expect(created.stderr).toBe('');
      expect(created.code).toBe(0);
      const dep = await wisp('deploy', name);
      expect(dep.stderr).toBe('');
      expect(dep.stdout).toMatch(new RegExp(`^created ${name} version \\$LATEST \\(${lang}, `));
      const r = await host.get(`/fn/${name}/?name=Scaffold`);
      expect(r.status).toBe(200);
      expect(await r.text()).toContain('Hello, Scaffold');
    });
  }

  it('refuses an unknown language with one clear line', async () => {
    const r = await wisp('new', 'cobol', 'x');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^wisp: unknown language 'cobol': one of assemblyscript, c, go, js, python, ruby, rust, ts\n$/);
  });
});

describe('wisp build', () => {
  it('builds a Rust function into the default, relative data dir (toolchains get absolute paths)', async () => {
    // cwd is a fresh temp dir: `.wisp` there is relative and empty, so the cached cabi_realloc
    // object is built and then handed to rustc, which links from its own working directory.
    const r = await wisp('build', join(ROOT, 'examples/hello-rust'));
    expect(r.stderr).not.toMatch(/failed/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^${work.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/\.wisp/artifacts/[0-9a-f]{32}\tcommand\trust\n$`));
  }, 180_000);
});

describe('API commands', () => {
  it('updates on a second deploy, publishes, and lists versions', async () => {
    await wisp('new', 'c', 'cli-fn');
    expect((await wisp('deploy', 'cli-fn', '--publish', '--description', 'first')).stdout).toMatch(/^created cli-fn version 1 /);
    const again = await wisp('deploy', 'cli-fn', '--description', 'second');
    expect(again.stdout).toMatch(/^updated cli-fn version \$LATEST /);
    const v = await wisp('versions', 'cli-fn');
    expect(v.stdout.trim().split('\n').map((l) => l.split('\t')[0])).toEqual(['$LATEST', '1']);
    const ls = await wisp('ls');
    expect(ls.stdout).toMatch(/^cli-fn\tc\t128 MB\t3 s\t/m);
  });

  it('invokes through the API and shows the log tail', async () => {
    const r = await wisp('invoke', 'echo-c', '--payload', '{"a":1}', '--tail');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('{"a":1}');
    expect(r.stderr).toMatch(/REPORT RequestId: [0-9a-f-]{36}/);
    const missing = await wisp('invoke', 'nope');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('ResourceNotFoundException');
  });

  it('prints a function log, and follows new lines', async () => {
    await host.get('/fn/crash-c/?logs-one');
    const r = await wisp('logs', 'crash-c');
    expect(r.stdout).toMatch(/crash-c: query=logs-one/);
    expect(r.stdout).toMatch(/REPORT RequestId: .*Tier: (cold|warm)/);

    const follow = execFile(process.execPath, [join(ROOT, 'bin/wisp.js'), 'logs', 'crash-c', '--follow', '--limit', '1'], {
      env: { ...process.env, WISP_ENDPOINT: host.url },
    });
    let out = '';
    follow.stdout!.on('data', (d) => (out += d));
    await new Promise((r) => setTimeout(r, 800));
    await host.get('/fn/crash-c/?logs-two');
    const until = Date.now() + 10_000;
    while (!out.includes('logs-two') && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    follow.kill();
    expect(out).toContain('crash-c: query=logs-two');
  });
});

describe('async commands', () => {
  it('adds, lists and removes triggers; sets async config; reads the dead-letter list', async () => {
    const add = await wisp('triggers', 'add', 'echo-c', '--schedule', 'rate(5 minutes)');
    expect(add.stderr).toBe('');
    const id = add.stdout.split('\t')[0]!;
    expect(add.stdout).toMatch(/\techo-c\tenabled\trate\(5 minutes\)\n$/);
    expect((await wisp('triggers', 'ls', 'echo-c')).stdout).toContain(id);
    expect((await wisp('triggers', 'disable', id)).stdout).toContain('\tdisabled\t');
    await wisp('triggers', 'rm', id);
    expect((await wisp('triggers', 'ls', 'echo-c')).stdout).not.toContain(id);

    const cfg = await wisp('async-config', 'crash-c', '--retries', '0');
    expect(JSON.parse(cfg.stdout)).toMatchObject({ MaximumRetryAttempts: 0 });
    await wisp('invoke', 'crash-c', '--event', '--payload', '"trap"');
    const until = Date.now() + 15_000;
    let dlq = '';
    while (!dlq.includes('RetriesExhausted') && Date.now() < until) {
      dlq = (await wisp('dlq', 'crash-c')).stdout;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(dlq).toMatch(/\tRetriesExhausted\t1\tGuestTrap: .*\t"trap"\n/);
  });
});

describe('monitoring commands', () => {
  it('puts, lists and removes an alarm; reads a metric', async () => {
    await host.get('/fn/hello-c/?name=m');
    const put = await wisp('alarms', 'put', 'cli-errors', '--metric', 'Errors', '--function', 'hello-c', '--threshold', '1', '--period', '60');
    expect(put.code).toBe(0);
    expect((await wisp('alarms', 'ls')).stdout).toContain('cli-errors');
    expect((await wisp('alarms', 'rm', 'cli-errors')).code).toBe(0);
    expect((await wisp('alarms', 'ls')).stdout).not.toContain('cli-errors');
    const m = await wisp('metrics', 'get', 'Invocations', '--function', 'hello-c', '--statistic', 'Sum', '--json');
    expect(m.code).toBe(0);
    const j = JSON.parse(m.stdout) as { datapoints: { value: number | null }[] };
    expect(j.datapoints.reduce((n, d) => n + (d.value ?? 0), 0)).toBeGreaterThanOrEqual(1);
  });
});
