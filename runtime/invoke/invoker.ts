// One way into a function for every caller (data plane, Lambda Invoke API, async queue):
// resolve name[:qualifier] to a spec, gate on reserved concurrency, run it on the engine, and
// record the invocation log.

import type { Engine } from '../engine/engine.js';
import type { FunctionSpec, InvokeRequest, InvokeResult } from '../engine/types.js';
import type { InvocationLog, InvocationRecord } from '../http/log.js';
import { LOG_TRUNCATED, reportLine } from '../http/log.js';
import { ApiError, throttled } from '../registry/errors.js';
import { ConcurrencyGate } from './concurrency.js';

export interface Resolution {
  spec: FunctionSpec;
  /** Reserved concurrency of the function (all versions), null if none. */
  reserved: number | null;
}

/** Resolves a function reference; throws ApiError (404) for unknown names or qualifiers. */
export interface Resolver {
  resolve(name: string, qualifier?: string): Resolution;
}

export interface Invocation {
  result: InvokeResult;
  /** The version that ran ($LATEST, 1, 2, ...). */
  version: string;
  /** The invocation's log as text: guest lines then the REPORT line. */
  readonly logText: string;
  status: number;
}

export class Invoker {
  readonly concurrency = new ConcurrencyGate();
  /** Told of every invocation refused by reserved concurrency (metrics). */
  onThrottle: (fn: string, version: string) => void = () => {};

  constructor(
    readonly engine: Engine,
    readonly resolver: Resolver,
    readonly log: InvocationLog,
  ) {}

  resolve(name: string, qualifier?: string): Resolution {
    return this.resolver.resolve(name, qualifier);
  }

  /** Throws ApiError 429 when the function is at its reserved concurrency. */
  async invoke(name: string, qualifier: string | undefined, req: InvokeRequest, resolved?: Resolution): Promise<Invocation> {
    const { spec, reserved } = resolved ?? this.resolve(name, qualifier);
    this.acquire(spec, reserved);
    let result: InvokeResult;
    try {
      result = await this.engine.invoke(spec, req);
    } finally {
      this.concurrency.release(spec.name);
    }
    return this.finish(spec, req, result);
  }

  /** invoke(), answered before this call returns when the engine can (Engine.invokeNow);
   *  undefined when it cannot, and then the caller invokes as usual. */
  invokeNow(name: string, qualifier: string | undefined, req: InvokeRequest, resolved?: Resolution): Invocation | undefined {
    const { spec, reserved } = resolved ?? this.resolve(name, qualifier);
    this.acquire(spec, reserved);
    let result: InvokeResult | undefined;
    try {
      result = this.engine.invokeNow(spec, req);
    } finally {
      this.concurrency.release(spec.name);
    }
    return result && this.finish(spec, req, result);
  }

  private acquire(spec: FunctionSpec, reserved: number | null): void {
    if (this.concurrency.tryAcquire(spec.name, reserved)) return;
    this.onThrottle(spec.name, spec.version);
    throw throttled(`Rate Exceeded: function ${spec.name} is at its reserved concurrency (${reserved})`);
  }

  private finish(spec: FunctionSpec, req: InvokeRequest, result: InvokeResult): Invocation {
    const status = result.error?.status ?? result.response!.status;
    const rec: InvocationRecord = { fn: spec.name, requestId: req.requestId, status, result, version: spec.version };
    this.log.record(rec);
    return new Finished(rec);
  }
}

/** An Invocation over its log record (a class: the getter lives on the prototype, not in an
 *  object literal made per request). */
class Finished implements Invocation {
  constructor(private readonly rec: InvocationRecord) {}
  get result(): InvokeResult {
    return this.rec.result;
  }
  get version(): string {
    return this.rec.version!;
  }
  get status(): number {
    return this.rec.status;
  }
  /** Only the API's LogType=Tail reads it: not built for every data-plane request. */
  get logText(): string {
    const { logs, logsTruncated } = this.rec.result;
    return [...logs, ...(logsTruncated ? [LOG_TRUNCATED] : []), reportLine(this.rec)].join('\n') + '\n';
  }
}

export { ApiError };
