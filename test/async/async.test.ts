// Async delivery and triggers over the real host: retries then dead letters, destinations,
// event age, schedules and log subscriptions; event-invoke-config through the real aws CLI.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WispClient } from '../../cli/client.js';
import { aws } from '../helpers/aws.js';
import { startTestHost, type TestHost } from '../helpers/host.js';
import { until } from '../helpers/until.js';

let host: TestHost;
let api: WispClient;

const event = (name: string, payload: unknown) =>
  api.raw('POST', `/2015-03-31/functions/${name}/invocations`, JSON.stringify(payload), { 'x-amz-invocation-type': 'Event' });

beforeAll(async () => {
  host = await startTestHost({ dispatcher: { retryBaseMs: 20, pollMs: 20 }, triggerIntervalMs: 50 });
  api = new WispClient({ endpoint: host.url });
});
afterAll(async () => {
  await host?.close();
});

describe('event-invoke-config', () => {
  it('is set and read with the real aws CLI', async () => {
    const put = await aws(host.url, [
      'lambda', 'put-function-event-invoke-config', '--function-name', 'crash-c',
      '--maximum-retry-attempts', '1', '--maximum-event-age-in-seconds', '600',
      '--destination-config', '{"OnFailure":{"Destination":"arn:aws:lambda:us-east-1:000000000000:function:echo-c"}}',
    ]);
    expect(put.stderr).toBe('');
    expect(put.json).toMatchObject({ MaximumRetryAttempts: 1, MaximumEventAgeInSeconds: 600, DestinationConfig: { OnFailure: { Destination: expect.stringContaining(':function:echo-c') } } });
    const get = await aws(host.url, ['lambda', 'get-function-event-invoke-config', '--function-name', 'crash-c']);
    expect(get.json).toMatchObject({ MaximumRetryAttempts: 1, MaximumEventAgeInSeconds: 600 });
    const bad = await aws(host.url, ['lambda', 'put-function-event-invoke-config', '--function-name', 'crash-c', '--maximum-event-age-in-seconds', '30000']);
    expect(bad.stderr).toMatch(/InvalidParameterValueException/);
  });
});

describe('async delivery', () => {
  it('retries a failing function exactly MaximumRetryAttempts times, then dead-letters it with its error', async () => {
    const r = await event('crash-c', 'trap');
    expect(r.status).toBe(202);
    const id = r.headers.get('x-amzn-requestid')!;
    const dl = await until(() => host.asyncConfigs.deadLetters('crash-c').find((d) => d.eventId === id));
    expect(dl).toMatchObject({ condition: 'RetriesExhausted', attempts: 2 });
    expect(dl.error).toMatch(/^GuestTrap: /);
    // One invocation per attempt, all with the event's id as request id.
    const reports = host.logs.query('crash-c', { requestId: id }).filter((l) => l.message.startsWith('REPORT'));
    expect(reports).toHaveLength(2);
    // Through the API too.
    const listed = await api.call('GET', '/wisp/v1/functions/crash-c/dead-letters');
    expect(listed.DeadLetters.some((d: { EventId: string; Error: string }) => d.EventId === id && d.Error.startsWith('GuestTrap'))).toBe(true);
    // And the OnFailure destination got the invocation record.
    const dest = await until(() => host.queue.bySource(`destination:${id}`).find((e) => e.status === 'done'));
    const record = JSON.parse(new TextDecoder().decode(dest.payload));
    expect(record.requestContext).toMatchObject({ requestId: id, condition: 'RetriesExhausted', approximateInvokeCount: 2 });
    expect(record.requestPayload).toBe('trap');
  });

  it('sends the result record to an OnSuccess destination function', async () => {
    await api.call('PUT', '/2019-09-25/functions/hello-c/event-invoke-config', { DestinationConfig: { OnSuccess: { Destination: 'echo-c' } } });
    const r = await event('hello-c', { any: 'thing' });
    const id = r.headers.get('x-amzn-requestid')!;
    const dest = await until(() => host.queue.bySource(`destination:${id}`).find((e) => e.status === 'done'));
    expect(dest.functionName).toBe('echo-c');
    const record = JSON.parse(new TextDecoder().decode(dest.payload));
    expect(record).toMatchObject({
      requestContext: { requestId: id, condition: 'Success', approximateInvokeCount: 1 },
      requestPayload: { any: 'thing' },
      responseContext: { statusCode: 200, executedVersion: '$LATEST' },
      responsePayload: 'Hello, world\n',
    });
  });

  it('drops an event older than MaximumEventAgeInSeconds to the dead-letter list', async () => {
    await api.call('PUT', '/2019-09-25/functions/echo-c/event-invoke-config', { MaximumEventAgeInSeconds: 60 });
    const id = host.queue.enqueue('echo-c', '$LATEST', new TextEncoder().encode('"stale"'), Date.now() - 120_000);
    host.dispatcher.kick();
    const dl = await until(() => host.asyncConfigs.deadLetters('echo-c').find((d) => d.eventId === id));
    expect(dl.condition).toBe('EventAgeExceeded');
    expect(host.logs.query('echo-c', { requestId: id })).toEqual([]); // never ran
  });
});

describe('triggers', () => {
  it('fires a rate() schedule once per period, on the period grid', async () => {
    const t = await api.call('POST', '/wisp/v1/triggers', { FunctionName: 'echo-c', ScheduleExpression: 'rate(1 second)' });
    expect(t).toMatchObject({ Type: 'schedule', ScheduleExpression: 'rate(1 second)', Enabled: true });
    const created = Date.parse(t.CreatedAt);
    await new Promise((r) => setTimeout(r, 3600));
    await api.call('PATCH', `/wisp/v1/triggers/${t.TriggerId}`, { Enabled: false });
    const stopped = Date.now();
    const fired = await until(() => {
      const evs = host.queue.bySource(`schedule:${t.TriggerId}`);
      return evs.length > 0 && evs.every((e) => e.status === 'done') && evs;
    });
    const ticks = fired.map((e) => Date.parse(JSON.parse(new TextDecoder().decode(e.payload)).time));
    const expected = Math.floor((stopped - created) / 1000);
    expect(ticks.length).toBeGreaterThanOrEqual(expected - 1);
    expect(ticks.length).toBeLessThanOrEqual(expected);
    expect(ticks).toEqual(ticks.map((_, i) => created + (i + 1) * 1000));
    const ev = JSON.parse(new TextDecoder().decode(fired[0]!.payload));
    expect(ev).toMatchObject({ 'detail-type': 'Scheduled Event', source: 'wisp.scheduler', detail: { triggerId: t.TriggerId, scheduleExpression: 'rate(1 second)' } });
    // Disabled: no more ticks.
    await new Promise((r) => setTimeout(r, 1200));
    expect(host.queue.bySource(`schedule:${t.TriggerId}`)).toHaveLength(fired.length);
  });

  it('lists triggers and rejects bad expressions', async () => {
    const list = await api.call('GET', '/wisp/v1/triggers?FunctionName=echo-c');
    expect(list.Triggers.length).toBeGreaterThan(0);
    const bad = await api.raw('POST', '/wisp/v1/triggers', { FunctionName: 'echo-c', ScheduleExpression: 'cron(0 12 * * * *)' });
    expect(bad.status).toBe(400);
    expect(new TextDecoder().decode(bad.body)).toContain('exactly one of day-of-month and day-of-week must be ?');
  });

  it('delivers a function’s failures to a log subscriber in batches', async () => {
    const t = await api.call('POST', '/wisp/v1/triggers', { FunctionName: 'echo-c', Source: { FunctionName: 'adv-c', FailuresOnly: true } });
    expect(t.Source).toEqual({ FunctionName: 'adv-c', FilterPattern: '', FailuresOnly: true });
    await host.get('/fn/adv-c/?trap');
    await host.get('/fn/adv-c/?fine');
    await host.get('/fn/adv-c/?exit');
    const batches = await until(() => {
      const evs = host.queue.bySource(`logs:${t.TriggerId}`);
      const lines = evs.flatMap((e) => JSON.parse(new TextDecoder().decode(e.payload)).logEvents as { message: string }[]);
      return lines.length >= 2 && evs.every((e) => e.status === 'done') && lines;
    });
    expect(batches.map((l) => /Error: (\w+)/.exec(l.message)?.[1])).toEqual(['GuestTrap', 'GuestExit']);
  });

  it('matches log lines against a filter pattern', async () => {
    const t = await api.call('POST', '/wisp/v1/triggers', { FunctionName: 'echo-c', Source: { FunctionName: 'crash-c', FilterPattern: '"query=needle"' }, BatchSize: 10 });
    await host.get('/fn/crash-c/?hay');
    await host.get('/fn/crash-c/?needle');
    const lines = await until(() => {
      const evs = host.queue.bySource(`logs:${t.TriggerId}`);
      return evs.length > 0 && evs.flatMap((e) => JSON.parse(new TextDecoder().decode(e.payload)).logEvents as { message: string }[]);
    });
    expect(lines.map((l) => l.message)).toEqual(['crash-c: query=needle']);
  });
});
