// Turning whatever a guest did wrong into a documented (status, code, message).

import { GuestExit } from '../wasi/index.js';
import { CgiParseError } from './cgi.js';
import { FuelExhausted, MemoryLimitExceeded, type InstanceLimits } from './limits.js';
import type { InvokeError } from './types.js';

export const errors = {
  payloadTooLarge: (limit: number): InvokeError => ({
    status: 413,
    code: 'PayloadTooLarge',
    message: `request body exceeds the ${limit}-byte limit`,
  }),
  responseTooLarge: (limit: number): InvokeError => ({
    status: 502,
    code: 'ResponseTooLarge',
    message: `the function's response exceeded the ${limit}-byte limit`,
  }),
  noResponse: (): InvokeError => ({ status: 502, code: 'NoResponse', message: 'the function returned without setting a response' }),
  internal: (message: string): InvokeError => ({ status: 500, code: 'InternalError', message }),
  timeout: (ms: number): InvokeError => ({ status: 504, code: 'Timeout', message: `the function did not finish within its ${ms} ms timeout` }),
  crashed: (why: string): InvokeError => ({ status: 502, code: 'GuestCrash', message: `the function's worker died: ${why}` }),
};

/** A guest-side failure: trap, exit, stack overflow, bad output. Host bugs are re-thrown. */
export function classifyGuestError(e: unknown, limits?: InstanceLimits, responseOverflowed = false, responseLimit = 0): InvokeError {
  // A guest that fails after its output hit the cap failed because of the cap.
  if (responseOverflowed) return errors.responseTooLarge(responseLimit);
  if (e instanceof FuelExhausted) {
    return { status: 502, code: 'FuelExhausted', message: 'the function used up its fuel (instruction budget) for this invocation' };
  }
  if (e instanceof MemoryLimitExceeded) return { status: 502, code: 'MemoryLimitExceeded', message: e.message };
  // A refused memory.grow followed by any failure: the guest died of the memory cap.
  if (limits?.growDenied) {
    return {
      status: 502,
      code: 'MemoryLimitExceeded',
      message: `the function exceeded its memory limit of ${Math.round(limits.memoryCapBytes / 1048576)} MiB`,
    };
  }
  if (e instanceof GuestExit) {
    return { status: 502, code: 'GuestExit', message: `the function exited with status ${e.code}` };
  }
  if (e instanceof CgiParseError) return { status: 502, code: 'InvalidResponse', message: e.message };
  if (e instanceof RangeError && /call stack/i.test(e.message)) {
    return { status: 502, code: 'StackOverflow', message: 'the function overflowed its stack' };
  }
  if (e instanceof WebAssembly.RuntimeError) {
    return { status: 502, code: 'GuestTrap', message: `the function trapped: ${e.message}` };
  }
  // jco wraps an `err` result of an export (e.g. wasi:cli/run returning err) in ComponentError.
  if (e instanceof Error && e.name === 'ComponentError') {
    return { status: 502, code: 'GuestError', message: `the function returned an error: ${e.message}` };
  }
  // Anything else thrown while the guest ran came through the glue or a host import on the
  // guest's behalf (e.g. invalid resource use); the guest is at fault, the host is intact.
  const message = e instanceof Error ? e.message : String(e);
  return { status: 502, code: 'GuestError', message: `the function failed: ${message}` };
}
