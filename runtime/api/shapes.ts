// Wisp's records in the JSON shapes of the AWS Lambda API (2015-03-31).

import type { AliasConfig, FunctionRecord } from '../registry/types.js';

export const REGION = 'us-east-1';
export const ACCOUNT = '000000000000';

export const functionArn = (name: string, qualifier?: string) =>
  `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}${qualifier ? `:${qualifier}` : ''}`;

export function functionConfiguration(c: FunctionRecord, description = c.description): Record<string, unknown> {
  return {
    FunctionName: c.name,
    FunctionArn: functionArn(c.name, c.version === '$LATEST' ? undefined : c.version),
    Runtime: c.runtime,
    Role: c.role,
    Handler: c.handler,
    CodeSize: c.codeSize,
    Description: description,
    // Lambda counts Timeout in whole seconds; Wisp keeps milliseconds (WispConfig.TimeoutMs).
    Timeout: Math.max(1, Math.ceil(c.timeoutMs / 1000)),
    MemorySize: c.memoryMB,
    LastModified: c.lastModified.replace('Z', '+0000'),
    CodeSha256: c.codeSha256,
    Version: c.version,
    Environment: { Variables: c.env },
    RevisionId: c.revisionId,
    State: 'Active',
    LastUpdateStatus: 'Successful',
    PackageType: 'Zip',
    Architectures: ['wasm32'],
    // Wisp's own settings, beside Lambda's (SDKs ignore unknown members).
    WispConfig: { Fuel: c.fuel, Reuse: c.reuse, Prewarm: c.prewarm, TimeoutMs: c.timeoutMs, Shape: c.shape },
  };
}

export function aliasConfiguration(a: AliasConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {
    AliasArn: functionArn(a.functionName, a.name),
    Name: a.name,
    FunctionVersion: a.functionVersion,
    Description: a.description,
    RevisionId: a.revisionId,
  };
  if (Object.keys(a.weights).length > 0) out.RoutingConfig = { AdditionalVersionWeights: a.weights };
  return out;
}

/**
 * FunctionName as the API accepts it: NAME, NAME:QUALIFIER, a full ARN
 * (arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]) or a partial one (ACCOUNT:function:NAME).
 */
export function parseFunctionRef(ref: string): { name: string; qualifier?: string } {
  const parts = ref.split(':');
  if (parts[0] === 'arn') {
    const i = parts.indexOf('function');
    return { name: parts[i + 1] ?? '', qualifier: parts[i + 2] };
  }
  if (parts[1] === 'function') return { name: parts[2] ?? '', qualifier: parts[3] };
  return { name: parts[0] ?? '', qualifier: parts[1] };
}
