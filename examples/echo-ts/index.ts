// echo-ts: JSON echo in TypeScript, split over modules (esbuild bundles them into one).
// POST a JSON body; the answer is application/json {"method","path","body":<parsed body>}.
import { echo } from './echo.js';
import type { FetchEvent } from './fetch-event.js';

addEventListener('fetch', (event) => {
  const e = event as FetchEvent;
  e.respondWith(echo(e.request));
});
