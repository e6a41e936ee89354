import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** Every error the host answers with: {"error":{"code","message","requestId"}}. */
export function errorResponse(c: Context, status: number, code: string, message: string): Response {
  return c.json({ error: { code, message, requestId: c.get('requestId') as string } }, status as ContentfulStatusCode);
}
