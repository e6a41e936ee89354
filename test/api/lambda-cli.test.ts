// The Lambda-compatible control plane, driven by the real aws CLI (and boto3) over HTTP.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aws, awsEnv, python, zipOf } from '../helpers/aws.js';
import { startTestHost, type TestHost } from '../helpers/host.js';
import { ROOT } from '../helpers/paths.js';
import { until } from '../helpers/until.js';

let host: TestHost;
let dir: string;
const cli = (...args: string[]) => aws(host.url, ['lambda', ...args], { cwd: dir });

const HELLO_C = (greeting: string) => `#include <stdio.h>
int main(void) {
  printf("Content-Type: text/plain\\r\\n\\r\\n${greeting}, world\\n");
  return 0;
}
`;

async function zipFile(name: string, files: Record<string, string | Uint8Array>): Promise<string> {
  const p = join(dir, name);
  await writeFile(p, zipOf(files));
  return `fileb://${p}`;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wisp-cli-'));
  host = await startTestHost({ dispatcher: { retryBaseMs: 50, pollMs: 50 } });
});
afterAll(async () => {
  await host?.close();
});

describe('functions through the aws CLI', () => {
  it('creates a function from a zip of C sources, with Lambda defaults', async () => {
    const r = await cli(
      'create-function', '--function-name', 'cli-hello', '--runtime', 'c', '--handler', 'main',
      '--role', 'arn:aws:iam::000000000000:role/wisp', '--description', 'hello from the CLI',
      '--zip-file', await zipFile('hello.zip', { 'main.c': HELLO_C('Hello') }),
    );
    expect(r.stderr).toBe('');
    expect(r.json).toMatchObject({ FunctionName: 'cli-hello', Runtime: 'c', MemorySize: 128, Timeout: 3, Version: '$LATEST', Description: 'hello from the CLI' });
    expect(r.json.FunctionArn).toBe('arn:aws:lambda:us-east-1:000000000000:function:cli-hello');
  });

  it("runs the seed article's exact invoke command and writes the output file", async () => {
    const r = await cli('invoke', '--function-name', 'cli-hello', '--invocation-type', 'RequestResponse', 'out.txt');
    expect(r.json).toEqual({ StatusCode: 200, ExecutedVersion: '$LATEST' });
    expect(await readFile(join(dir, 'out.txt'), 'utf8')).toBe('Hello, world\n');
  });

  it('passes the payload as a POST body and tails the log', async () => {
    const r = await cli('invoke', '--function-name', 'echo-c', '--payload', '{"ping":42}', '--log-type', 'Tail', 'echo.txt');
    expect(r.json.StatusCode).toBe(200);
    expect(JSON.parse(await readFile(join(dir, 'echo.txt'), 'utf8'))).toEqual({ ping: 42 });
    const log = Buffer.from(r.json.LogResult, 'base64').toString();
    expect(log).toMatch(/REPORT RequestId: [0-9a-f-]{36}\tVersion: \$LATEST\tTier: (cold|warm)/);
  });

  it('marks guest failures with FunctionError Unhandled', async () => {
    // crash-c traps when its body says "trap".
    const r = await cli('invoke', '--function-name', 'crash-c', '--qualifier', '$LATEST', '--payload', '"trap"', 'crash.txt');
    expect(r.json).toMatchObject({ StatusCode: 200, FunctionError: 'Unhandled', ExecutedVersion: '$LATEST' });
    expect(JSON.parse(await readFile(join(dir, 'crash.txt'), 'utf8'))).toMatchObject({ errorType: 'GuestTrap' });
    const ok = await cli('invoke', '--function-name', 'crash-c', '--payload', '"fine"', 'fine.txt');
    expect(ok.json.FunctionError).toBeUndefined();
  });

  it('gets, lists and updates configuration and code', async () => {
    const get = await cli('get-function', '--function-name', 'cli-hello');
    expect(get.json.Configuration.FunctionName).toBe('cli-hello');
    const list = await cli('list-functions');
    expect(list.json.Functions.map((f: { FunctionName: string }) => f.FunctionName)).toContain('cli-hello');

    const up = await cli(
      'update-function-configuration', '--function-name', 'cli-hello', '--memory-size', '256', '--timeout', '5',
      '--environment', 'Variables={GREETING=hi,MODE=test}', '--description', 'updated',
    );
    expect(up.json).toMatchObject({ MemorySize: 256, Timeout: 5, Description: 'updated', Environment: { Variables: { GREETING: 'hi', MODE: 'test' } } });
    const cfg = await cli('get-function-configuration', '--function-name', 'cli-hello');
    expect(cfg.json).toMatchObject({ MemorySize: 256, Timeout: 5 });

    const code = await cli('update-function-code', '--function-name', 'cli-hello', '--zip-file', await zipFile('hi.zip', { 'main.c': HELLO_C('Hi') }));
    expect(code.json.CodeSha256).not.toBe(get.json.Configuration.CodeSha256);
    await cli('invoke', '--function-name', 'cli-hello', 'out2.txt');
    expect(await readFile(join(dir, 'out2.txt'), 'utf8')).toBe('Hi, world\n');
  });

  it('publishes versions with descriptions and lists their history', async () => {
    const v1 = await cli('publish-version', '--function-name', 'cli-hello', '--description', 'first');
    expect(v1.json).toMatchObject({ Version: '1', Description: 'first' });
    // Unchanged since version 1: Lambda answers with version 1 again.
    const again = await cli('publish-version', '--function-name', 'cli-hello');
    expect(again.json.Version).toBe('1');
    await cli('update-function-code', '--function-name', 'cli-hello', '--zip-file', await zipFile('hey.zip', { 'main.c': HELLO_C('Hey') }));
    const v2 = await cli('publish-version', '--function-name', 'cli-hello', '--description', 'second');
    expect(v2.json.Version).toBe('2');
    const list = await cli('list-versions-by-function', '--function-name', 'cli-hello');
    expect(list.json.Versions.map((v: { Version: string; Description: string }) => [v.Version, v.Description])).toEqual([
      ['$LATEST', 'updated'],
      ['1', 'first'],
      ['2', 'second'],
    ]);
    const r = await cli('invoke', '--function-name', 'cli-hello', '--qualifier', '1', 'v1.txt');
    expect(r.json.ExecutedVersion).toBe('1');
    expect(await readFile(join(dir, 'v1.txt'), 'utf8')).toBe('Hi, world\n');
  });

  it('routes an alias with weights in roughly the configured split', async () => {
    const a = await cli(
      'create-alias', '--function-name', 'cli-hello', '--name', 'live', '--function-version', '1',
      '--routing-config', '{"AdditionalVersionWeights":{"2":0.3}}',
    );
    expect(a.json).toMatchObject({ Name: 'live', FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { '2': 0.3 } } });
    expect((await cli('get-alias', '--function-name', 'cli-hello', '--name', 'live')).json.Name).toBe('live');
    expect((await cli('list-aliases', '--function-name', 'cli-hello')).json.Aliases).toHaveLength(1);

    // 400 requests through the data plane: the executed version follows the weights.
    const seen = { '1': 0, '2': 0 } as Record<string, number>;
    for (let i = 0; i < 400; i++) {
      const r = await host.get('/fn/cli-hello:live/');
      const v = r.headers.get('x-wisp-executed-version')!;
      const body = await r.text();
      expect(body).toBe(v === '1' ? 'Hi, world\n' : 'Hey, world\n');
      seen[v] = (seen[v] ?? 0) + 1;
    }
    expect(seen['2']! / 400).toBeGreaterThan(0.2);
    expect(seen['2']! / 400).toBeLessThan(0.4);

    const via = await cli('invoke', '--function-name', 'cli-hello', '--qualifier', 'live', 'live.txt');
    expect(['1', '2']).toContain(via.json.ExecutedVersion);

    const up = await cli('update-alias', '--function-name', 'cli-hello', '--name', 'live', '--function-version', '2', '--routing-config', '{"AdditionalVersionWeights":{}}');
    expect(up.json.FunctionVersion).toBe('2');
    const r = await host.get('/fn/cli-hello:live/');
    expect(r.headers.get('x-wisp-executed-version')).toBe('2');
  });

  it('queues Event invocations (202) and runs them in the background', async () => {
    const r = await cli('invoke', '--function-name', 'echo-c', '--invocation-type', 'Event', '--payload', '{"event":"marker-7"}', 'ev.txt');
    expect(r.json.StatusCode).toBe(202);
    const done = await until(() => {
      const rec = host.log.records.find((x) => x.fn === 'echo-c' && new TextDecoder().decode(x.result.response?.body ?? new Uint8Array()).includes('marker-7'));
      return rec;
    });
    expect(done.status).toBe(200);
  });

  it('throttles beyond reserved concurrency with TooManyRequestsException', async () => {
    const put = await cli('put-function-concurrency', '--function-name', 'cli-hello', '--reserved-concurrent-executions', '0');
    expect(put.json).toEqual({ ReservedConcurrentExecutions: 0 });
    const r = await cli('invoke', '--function-name', 'cli-hello', 'thr.txt');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('TooManyRequestsException');
    expect((await host.get('/fn/cli-hello/')).status).toBe(429);
    await cli('delete-function-concurrency', '--function-name', 'cli-hello');
    expect((await cli('invoke', '--function-name', 'cli-hello', 'ok.txt')).json.StatusCode).toBe(200);
  });

  it('shows AWS error types for bad input', async () => {
    const dup = await cli('create-function', '--function-name', 'cli-hello', '--runtime', 'c', '--role', 'r', '--handler', 'h', '--zip-file', await zipFile('d.zip', { 'main.c': HELLO_C('x') }));
    expect(dup.stderr).toContain('ResourceConflictException');
    // (botocore checks minimums itself; maximums are the server's to refuse.)
    const timeout = await cli('update-function-configuration', '--function-name', 'cli-hello', '--timeout', '901');
    expect(timeout.stderr).toMatch(/InvalidParameterValueException.*Timeout/);
    const lang = await cli('create-function', '--function-name', 'cli-cobol', '--runtime', 'cobol', '--role', 'r', '--handler', 'h', '--zip-file', await zipFile('c.zip', { 'main.cob': 'x\ny' }));
    expect(lang.stderr).toMatch(/InvalidParameterValueException.*cobol/);
    const broken = await cli('create-function', '--function-name', 'cli-broken', '--runtime', 'c', '--role', 'r', '--handler', 'h', '--zip-file', await zipFile('b.zip', { 'main.c': 'int main(void) {\n  return nope;\n}\n' }));
    expect(broken.stderr).toMatch(/InvalidParameterValueException[\s\S]*main\.c:2/);
    const slip = await cli('create-function', '--function-name', 'cli-slip', '--runtime', 'c', '--role', 'r', '--handler', 'h', '--zip-file', await zipFile('s.zip', { '../evil.c': 'x\n' }));
    expect(slip.stderr).toMatch(/InvalidParameterValueException.*unsafe path/);
    expect((await cli('get-function', '--function-name', 'cli-broken')).stderr).toContain('ResourceNotFoundException');
  });

  it('rejects a wrong signature with 403', async () => {
    const r = await aws(host.url, ['lambda', 'list-functions'], { secret: 'not-the-secret' });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('InvalidSignatureException');
    const unsigned = await fetch(`${host.url}/2015-03-31/functions/`);
    expect(unsigned.status).toBe(403);
    expect(unsigned.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
  });

  it('deletes a function', async () => {
    await cli('delete-alias', '--function-name', 'cli-hello', '--name', 'live');
    const del = await cli('delete-function', '--function-name', 'cli-hello');
    expect(del.code).toBe(0);
    expect((await cli('get-function', '--function-name', 'cli-hello')).stderr).toContain('ResourceNotFoundException');
    expect((await host.get('/fn/cli-hello/')).status).toBe(404);
  });
});

describe('the same API through boto3', () => {
  it('creates, invokes and publishes', async () => {
    const zip = join(dir, 'boto.zip');
    await writeFile(zip, zipOf({ 'main.c': 'examples/hello-c/main.c' }, ROOT));
    const script = `
import boto3, json
c = boto3.client('lambda', endpoint_url='${host.url}', region_name='us-east-1')
out = {}
r = c.create_function(FunctionName='boto-hello', Runtime='c', Role='arn:aws:iam::000000000000:role/x', Handler='main', Code={'ZipFile': open('${zip}', 'rb').read()})
out['created'] = r['FunctionName']
r = c.invoke(FunctionName='boto-hello', InvocationType='RequestResponse', Payload=b'{}')
out['status'] = r['StatusCode']
out['payload'] = r['Payload'].read().decode()
r = c.publish_version(FunctionName='boto-hello', Description='from boto3')
out['version'] = r['Version']
try:
    c.get_function(FunctionName='boto-missing')
except c.exceptions.ResourceNotFoundException as e:
    out['missing'] = e.response['Error']['Code']
print(json.dumps(out))
`;
    const r = await python(script, awsEnv());
    expect(r.stderr).toBe('');
    expect(r.json).toEqual({ created: 'boto-hello', status: 200, payload: 'Hello, world\n', version: '1', missing: 'ResourceNotFoundException' });
  });
});
