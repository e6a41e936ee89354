import type { Shape } from '../../compiler/artifact.js';

/** A function's configuration: $LATEST (mutable) or a published version (a frozen copy). */
export interface FunctionConfig {
  name: string;
  /** '$LATEST' or '1', '2', ... */
  version: string;
  runtime: string;
  handler: string;
  role: string;
  description: string;
  memoryMB: number;
  timeoutMs: number;
  env: Record<string, string>;
  fuel: number;
  reuse: boolean;
  prewarm: number;
  artifactDir: string;
  codeSha256: string;
  codeSize: number;
  shape: Shape;
  revisionId: string;
  lastModified: string;
}

export interface FunctionRecord extends FunctionConfig {
  reservedConcurrency: number | null;
}

/** Settings a caller may give at create time or change later; absent fields keep their value. */
export interface ConfigInput {
  runtime?: string;
  handler?: string;
  role?: string;
  description?: string;
  memoryMB?: number;
  timeoutMs?: number;
  env?: Record<string, string>;
  fuel?: number;
  reuse?: boolean;
  prewarm?: number;
}

/** A built, stored artifact: what a deploy points a function at. */
export interface CodeRef {
  artifactDir: string;
  /** SHA-256 (base64, as Lambda reports CodeSha256) of the uploaded package. */
  sha256: string;
  size: number;
  shape: Shape;
}

export interface AliasConfig {
  functionName: string;
  name: string;
  functionVersion: string;
  description: string;
  /** Extra versions and the share of traffic each gets (0..1); the rest goes to functionVersion. */
  weights: Record<string, number>;
  revisionId: string;
}
