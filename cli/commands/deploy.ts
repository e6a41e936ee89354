// `wisp deploy [DIR]`: zip the sources, create or update the function over the API, and
// optionally publish a version. The server builds (the same compiler as `wisp build`).

import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { detectLang, listFiles } from '../../compiler/build.js';
import { ApiClientError, type WispClient } from '../client.js';

export interface DeployOptions {
  name?: string;
  runtime?: string;
  publish?: boolean;
  description?: string;
  memoryMB?: number;
  timeoutS?: number;
}

export async function deploy(api: WispClient, src: string, opts: DeployOptions): Promise<Record<string, any>> {
  const abs = resolve(src);
  const isDir = statSync(abs).isDirectory();
  const list = isDir ? await listFiles(abs) : [basename(abs)];
  const root = isDir ? abs : resolve(abs, '..');
  const name = opts.name ?? basename(isDir ? abs : root);
  const runtime = opts.runtime ?? detectLang(list);
  const entries: Record<string, Uint8Array> = {};
  for (const f of list) entries[f] = new Uint8Array(await readFile(join(root, f)));
  const { zipSync } = await import('fflate');
  const zip = Buffer.from(zipSync(entries)).toString('base64');

  let exists = true;
  try {
    await api.call('GET', `/2015-03-31/functions/${encodeURIComponent(name)}/configuration`);
  } catch (e) {
    if (!(e instanceof ApiClientError && e.status === 404)) throw e;
    exists = false;
  }
  let cfg: Record<string, any>;
  if (!exists) {
    cfg = await api.call('POST', '/2015-03-31/functions', {
      FunctionName: name,
      Runtime: runtime,
      Role: 'arn:aws:iam::000000000000:role/wisp',
      Handler: 'main',
      Code: { ZipFile: zip },
      ...(opts.description ? { Description: opts.description } : {}),
      ...(opts.memoryMB ? { MemorySize: opts.memoryMB } : {}),
      ...(opts.timeoutS ? { Timeout: opts.timeoutS } : {}),
    });
  } else {
    cfg = await api.call('PUT', `/2015-03-31/functions/${encodeURIComponent(name)}/code`, { ZipFile: zip });
    const change: Record<string, unknown> = {};
    if (opts.description) change.Description = opts.description;
    if (opts.memoryMB) change.MemorySize = opts.memoryMB;
    if (opts.timeoutS) change.Timeout = opts.timeoutS;
    if (Object.keys(change).length > 0) cfg = await api.call('PUT', `/2015-03-31/functions/${encodeURIComponent(name)}/configuration`, change);
  }
  if (opts.publish) cfg = await api.call('POST', `/2015-03-31/functions/${encodeURIComponent(name)}/versions`, opts.description ? { Description: opts.description } : {});
  return { ...cfg, created: !exists };
}
