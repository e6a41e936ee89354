import { json } from './fetch-event.js';

export interface Echo {
  method: string;
  path: string;
  body: unknown;
}

/** Answer {"method","path","body":<parsed JSON>}; 400 when the body is not JSON. */
export async function echo(request: Request): Promise<Response> {
  const url = new URL(request.url);
  const text = await request.text();
  let body: unknown = null;
  if (text.length > 0) {
    try {
      body = JSON.parse(text);
    } catch (e) {
      return json(400, { error: `invalid JSON: ${(e as Error).message}` });
    }
  }
  const out: Echo = { method: request.method, path: url.pathname, body };
  return json(200, out);
}
