// Running one invocation on one instance, for each of the two shapes.

import type { Shape } from '../../compiler/artifact.js';
import { http } from '../wasi/index.js';
import { cgiEnvironment, parseCgiResponse } from './cgi.js';
import { errors } from './errors.js';
import type { GuestInstance, IoLimits } from './instance.js';
import type { FunctionSpec, InvokeRequest, InvokeResponse } from './types.js';

type HttpExport = { handle(req: http.IncomingRequest, out: http.ResponseOutparam): void };
type RunExport = { run(): void };

function exportOf<T>(inst: GuestInstance, prefix: string): T {
  const key = Object.keys(inst.exports).find((k) => k.startsWith(prefix));
  if (!key) throw new Error(`component does not export ${prefix}`);
  return inst.exports[key] as T;
}

const enc = new TextEncoder();

/** Throws what the guest threw; the caller classifies it. Returns an InvokeError for
 *  well-behaved guests whose answer the host cannot use. */
export function runInvocation(
  shape: Shape,
  inst: GuestInstance,
  spec: FunctionSpec,
  req: InvokeRequest,
  limits: IoLimits,
): InvokeResponse | ReturnType<typeof errors.noResponse> {
  inst.invocations++;
  if (shape === 'http') {
    inst.wasi.ctx.begin(new Uint8Array(0), spec.env);
    const incoming = new http.IncomingRequest({
      method: req.method,
      pathWithQuery: req.query ? `${req.path}?${req.query}` : req.path,
      scheme: req.scheme,
      authority: req.authority,
      headers: req.headers.map(([n, v]) => [n, enc.encode(v)]),
      body: req.body,
    });
    const out = new http.ResponseOutparam();
    exportOf<HttpExport>(inst, 'wasi:http/incoming-handler@').handle(incoming, out);
    const r = out.response;
    if (!r) return errors.noResponse();
    if (r.tag === 'err') return { status: 502, code: 'GuestError', message: `the function answered with error ${r.val.tag}` };
    const res = r.val;
    if (res.sink.overflowed) return errors.responseTooLarge(limits.responseBytes);
    const dec = new TextDecoder();
    return {
      status: res.statusCode(),
      headers: res.headers().entries().map(([n, v]) => [n, dec.decode(v)]),
      body: res.sink.bytes(),
    };
  }
  inst.wasi.ctx.begin(req.body, cgiEnvironment(spec.name, req, spec.env));
  // preview1 path: _start returning is exit(0); exit(n) throws GuestExit like wasi:cli/exit.
  if (inst.start) startPreview1(inst.start);
  else exportOf<RunExport>(inst, 'wasi:cli/run@').run();
  return commandOutput(inst, limits);
}

// jco's glue rewrites V8's trap messages to wasmtime's; the preview1 path says the same.
const TRAP_MESSAGES = new Map([
  ['unreachable', 'wasm trap: wasm `unreachable` instruction executed'],
  ['memory access out of bounds', 'wasm trap: out of bounds memory access'],
  ['divide by zero', 'wasm trap: integer divide by zero'],
  ['remainder by zero', 'wasm trap: integer divide by zero'],
  ['divide result unrepresentable', 'wasm trap: integer overflow'],
  ['float unrepresentable in integer range', 'wasm trap: invalid conversion to integer'],
  ['table index is out of bounds', 'wasm trap: undefined element: out of bounds table access'],
  ['function signature mismatch', 'wasm trap: indirect call type mismatch'],
  ['call stack exhausted', 'wasm trap: call stack exhausted'],
]);

function startPreview1(start: () => void): void {
  try {
    start();
  } catch (e) {
    if (e instanceof WebAssembly.RuntimeError) e.message = TRAP_MESSAGES.get(e.message) ?? e.message;
    throw e;
  }
}

/** A command's stdout as a response; also used when it ends by exit(0). */
export function commandOutput(inst: GuestInstance, limits: IoLimits): InvokeResponse | ReturnType<typeof errors.noResponse> {
  const stdout = inst.wasi.ctx.stdout;
  if (stdout.overflowed) return errors.responseTooLarge(limits.responseBytes);
  return parseCgiResponse(stdout.bytes());
}
