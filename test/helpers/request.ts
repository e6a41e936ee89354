// An invocation request as the data plane hands it to the engine: a GET from 127.0.0.1 with no
// body; tests override what they look at.
import type { InvokeRequest } from '../../runtime/engine/types.js';

export function invokeRequest(query: string, over: Partial<InvokeRequest> = {}): InvokeRequest {
  return {
    requestId: 'req-1',
    method: 'GET',
    path: '/',
    query,
    headers: [['host', '127.0.0.1']],
    body: new Uint8Array(0),
    scheme: 'http',
    authority: '127.0.0.1',
    remoteAddr: '127.0.0.1',
    ...over,
  };
}
