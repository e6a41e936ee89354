// Turning whatever a guest did wrong into a documented (status, code, message).

import { GuestExit } from '../wasi/index.js';
import { CgiParseError } from './cgi.js';
import type { InvokeError } from './types.js';

export const errors = {
  notFound: (name: string): InvokeError => ({ status: 404, code: 'FunctionNotFound', message: `no function named '${name}'` }),
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
};

/** A guest-side failure: trap, exit, stack overflow, bad output. Host bugs are re-thrown. */
export function classifyGuestError(e: unknown): InvokeError {
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
