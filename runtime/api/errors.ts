import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ApiError } from '../registry/errors.js';

/** An AWS-shaped error: botocore reads the type from x-amzn-ErrorType and the message from the body. */
export function awsError(c: Context, e: ApiError): Response {
  c.header('x-amzn-ErrorType', e.type);
  const body: Record<string, unknown> = { Type: e.status >= 500 ? 'Service' : 'User', message: e.message };
  if (e.type === 'TooManyRequestsException') body.Reason = 'ReservedFunctionConcurrentInvocationLimitExceeded';
  return c.json(body, e.status as ContentfulStatusCode);
}

export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  console.error('wisp: control plane error:', e);
  return new ApiError(500, 'ServiceException', 'The service encountered an internal error');
}
