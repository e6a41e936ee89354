import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** Every error the host answers with, on either plane. */
export const errorBody = (code: string, message: string, requestId: string) => ({ error: { code, message, requestId } });

/** A control-plane error: {"error":{"code","message","requestId"}}. */
export function errorResponse(c: Context, status: number, code: string, message: string): Response {
  return c.json(errorBody(code, message, c.get('requestId') as string), status as ContentfulStatusCode);
}
