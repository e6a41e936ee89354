// What happens when an async event is finished: mark it, and in the same transaction send the
// invocation record to the OnSuccess/OnFailure destination function and, for failures, write
// the durable dead-letter entry. Either all of it is recorded or none of it.

import { functionArn, parseFunctionRef } from '../api/shapes.js';
import type { AsyncConfigs } from '../registry/async-config.js';
import type { EventQueue, QueuedEvent } from '../registry/events.js';
import type { Final, Outcome, RetryPolicy } from './dispatcher.js';

const CONDITIONS: Record<Final, string> = { success: 'Success', failure: 'RetriesExhausted', expired: 'EventAgeExceeded' };

function parsePayload(bytes: Uint8Array): unknown {
  const text = new TextDecoder().decode(bytes);
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Lambda's invocation record, as destinations receive it. */
export function invocationRecord(e: QueuedEvent, outcome: Outcome, final: Final): Record<string, unknown> {
  return {
    version: '1.0',
    timestamp: new Date().toISOString(),
    requestContext: {
      requestId: e.id,
      functionArn: functionArn(e.functionName, e.qualifier),
      condition: CONDITIONS[final],
      approximateInvokeCount: e.attempts,
    },
    requestPayload: parsePayload(e.payload),
    responseContext: {
      statusCode: outcome.status,
      executedVersion: outcome.version ?? e.qualifier,
      ...(final !== 'success' ? { functionError: 'Unhandled' } : {}),
    },
    responsePayload: final === 'success' ? parsePayload(outcome.body) : { errorMessage: outcome.error ?? `status ${outcome.status}` },
  };
}

export class Delivery {
  constructor(
    private readonly queue: EventQueue,
    private readonly configs: AsyncConfigs,
    private readonly onDeadLetter: (fn: string) => void = () => {},
  ) {}

  policy = (e: QueuedEvent): RetryPolicy => {
    const c = this.configs.effective(e.functionName, e.qualifier);
    return { maxRetries: c.maxRetries, maxAgeMs: c.maxAgeS * 1000 };
  };

  finish = (e: QueuedEvent, outcome: Outcome, final: Final): void => {
    const c = this.configs.effective(e.functionName, e.qualifier);
    const destination = final === 'success' ? c.onSuccess : c.onFailure;
    const error = outcome.error ?? `status ${outcome.status}`;
    this.queue.atomically(() => {
      if (final === 'success') this.queue.complete(e.id, outcome.body);
      else {
        this.queue.fail(e.id, error);
        this.configs.addDeadLetter({
          eventId: e.id,
          functionName: e.functionName,
          qualifier: e.qualifier,
          condition: final === 'expired' ? 'EventAgeExceeded' : 'RetriesExhausted',
          attempts: e.attempts,
          error,
          payload: e.payload,
        });
      }
      if (destination) {
        const { name, qualifier } = parseFunctionRef(destination);
        const record = new TextEncoder().encode(JSON.stringify(invocationRecord(e, outcome, final)));
        this.queue.enqueue(name, qualifier ?? '$LATEST', record, Date.now(), `destination:${e.id}`);
      }
    });
    if (final !== 'success') this.onDeadLetter(e.functionName);
  };
}
