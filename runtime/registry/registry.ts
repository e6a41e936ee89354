// Functions, versions and aliases in the registry database. Every change is one transaction:
// a deploy writes its artifact first (content-addressed, fsynced, renamed into place) and then
// points the function at it here, so a crash at any moment leaves the previous state intact.

import { randomUUID } from 'node:crypto';
import type { FunctionSpec } from '../engine/types.js';
import { BOUNDS, DEFAULTS } from '../functions/defaults.js';
import type { FunctionSource } from '../functions/manifest.js';
import { stmt, type DB } from './db.js';
import { conflict, invalid, notFound, preconditionFailed } from './errors.js';
import type { AliasConfig, CodeRef, ConfigInput, FunctionConfig, FunctionRecord } from './types.js';

export const FUNCTION_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const ALIAS_NAME = /^(?!^[0-9]+$)[A-Za-z0-9_-]{1,128}$/;
const ENV_KEY = /^[A-Za-z][A-Za-z0-9_]*$/;
/** Lambda's limit on the environment: 4 KiB for all keys and values together. */
const ENV_MAX_BYTES = 4096;

type Row = Record<string, unknown>;

const now = () => new Date().toISOString();
const rev = () => randomUUID();

function configOf(row: Row, version = '$LATEST'): FunctionRecord {
  return {
    name: row.name as string,
    version,
    runtime: row.runtime as string,
    handler: row.handler as string,
    role: row.role as string,
    description: row.description as string,
    memoryMB: row.memory_mb as number,
    timeoutMs: row.timeout_ms as number,
    env: JSON.parse(row.env_json as string) as Record<string, string>,
    fuel: row.fuel as number,
    reuse: row.reuse === 1,
    prewarm: row.prewarm as number,
    artifactDir: row.artifact_dir as string,
    codeSha256: row.code_sha256 as string,
    codeSize: row.code_size as number,
    shape: row.shape as FunctionConfig['shape'],
    revisionId: row.revision_id as string,
    lastModified: row.updated_at as string,
    reservedConcurrency: (row.reserved_concurrency as number | null) ?? null,
  };
}

function aliasOf(row: Row): AliasConfig {
  return {
    functionName: row.function_name as string,
    name: row.name as string,
    functionVersion: row.function_version as string,
    description: row.description as string,
    weights: JSON.parse(row.routing_json as string) as Record<string, number>,
    revisionId: row.revision_id as string,
  };
}

function checkRange(what: string, v: unknown, [lo, hi]: readonly [number, number]): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) {
    throw invalid(`${what} must be an integer between ${lo} and ${hi}, got ${JSON.stringify(v)}`);
  }
  return v;
}

/** Validates a config change and fills defaults for absent fields from `base`. */
function resolveConfig(input: ConfigInput, base: Omit<FunctionConfig, 'name' | 'version' | 'artifactDir' | 'codeSha256' | 'codeSize' | 'shape' | 'revisionId' | 'lastModified'>) {
  const out = { ...base };
  if (input.runtime !== undefined) out.runtime = input.runtime;
  if (input.handler !== undefined) out.handler = String(input.handler).slice(0, 128);
  if (input.role !== undefined) out.role = String(input.role).slice(0, 2048);
  if (input.description !== undefined) {
    if (typeof input.description !== 'string' || input.description.length > 256) throw invalid('Description must be a string of at most 256 characters');
    out.description = input.description;
  }
  if (input.memoryMB !== undefined) out.memoryMB = checkRange('MemorySize', input.memoryMB, BOUNDS.memoryMB);
  if (input.timeoutMs !== undefined) out.timeoutMs = checkRange('Timeout (ms)', input.timeoutMs, BOUNDS.timeoutMs);
  if (input.prewarm !== undefined) out.prewarm = checkRange('prewarm', input.prewarm, BOUNDS.prewarm);
  if (input.fuel !== undefined) {
    if (typeof input.fuel !== 'number' || !Number.isSafeInteger(input.fuel) || input.fuel < 1) throw invalid('fuel must be a positive integer');
    out.fuel = input.fuel;
  }
  if (input.reuse !== undefined) out.reuse = !!input.reuse;
  if (input.env !== undefined) {
    if (typeof input.env !== 'object' || input.env === null || Array.isArray(input.env)) throw invalid('Environment.Variables must be a map of strings');
    let bytes = 0;
    for (const [k, v] of Object.entries(input.env)) {
      if (!ENV_KEY.test(k)) throw invalid(`environment variable name ${JSON.stringify(k)} must match [a-zA-Z][a-zA-Z0-9_]*`);
      if (typeof v !== 'string') throw invalid(`environment variable ${k} must be a string`);
      bytes += k.length + v.length;
    }
    if (bytes > ENV_MAX_BYTES) throw invalid(`environment variables exceed ${ENV_MAX_BYTES} bytes`);
    out.env = { ...input.env };
  }
  return out;
}

export class Registry implements FunctionSource {
  /** Reads on the invocation path (config, alias), cached until the next write: every request
   *  resolves its function, and the registry changes rarely. One host owns the database. */
  private memo = new Map<string, FunctionRecord | AliasConfig>();
  /** resolve()'s answers, by name then qualifier ('' for none); cleared with `memo`. */
  private resolutions = new Map<string, Map<string, Resolved>>();

  constructor(readonly db: DB) {}

  /** Every change goes through here: one transaction, and the read cache forgets everything. */
  private write<T>(fn: () => T): T {
    this.writing++;
    try {
      return this.db.transaction(fn)();
    } finally {
      this.writing--;
      this.memo.clear();
      this.resolutions.clear();
    }
  }

  /** Inside a write, reads must see the transaction's own changes: no caching there. */
  private writing = 0;

  private cached<T extends FunctionRecord | AliasConfig>(key: string, load: () => T): T {
    if (this.writing > 0) return load();
    const hit = this.memo.get(key);
    if (hit) return hit as T;
    const v = load();
    this.memo.set(key, v);
    return v;
  }

  // ---- functions ----

  private row(name: string): Row | undefined {
    return stmt(this.db, 'SELECT * FROM functions WHERE name = ?').get(name) as Row | undefined;
  }

  private must(name: string): Row {
    const r = this.row(name);
    if (!r) throw notFound(`Function not found: ${name}`);
    return r;
  }

  private checkRevision(row: Row, revisionId: string | undefined): void {
    if (revisionId !== undefined && revisionId !== row.revision_id) {
      throw preconditionFailed(`The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id`);
    }
  }

  create(name: string, input: ConfigInput, code: CodeRef): FunctionRecord {
    if (!FUNCTION_NAME.test(name)) throw invalid(`invalid function name ${JSON.stringify(name)}: 1-64 of A-Z a-z 0-9 _ -`);
    if (!input.runtime) throw invalid('Runtime is required');
    const cfg = resolveConfig(input, {
      runtime: input.runtime,
      handler: '',
      role: '',
      description: '',
      memoryMB: DEFAULTS.memoryMB,
      timeoutMs: DEFAULTS.timeoutMs,
      env: {},
      fuel: DEFAULTS.fuel,
      reuse: DEFAULTS.reuse,
      prewarm: DEFAULTS.prewarm,
    });
    const t = now();
    return this.write(() => {
      if (this.row(name)) throw conflict(`Function already exist: ${name}`);
      this.db
        .prepare(
          `INSERT INTO functions (name, runtime, handler, role, description, memory_mb, timeout_ms, env_json, fuel, reuse, prewarm,
             artifact_dir, code_sha256, code_size, shape, revision_id, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(name, cfg.runtime, cfg.handler, cfg.role, cfg.description, cfg.memoryMB, cfg.timeoutMs, JSON.stringify(cfg.env), cfg.fuel,
          cfg.reuse ? 1 : 0, cfg.prewarm, code.artifactDir, code.sha256, code.size, code.shape, rev(), t, t);
      return configOf(this.must(name));
    });
  }

  get(name: string): FunctionSpec | undefined {
    const r = this.row(name);
    return r ? specOf(configOf(r)) : undefined;
  }

  list(): FunctionSpec[] {
    return this.listConfigs().map(specOf);
  }

  listConfigs(): FunctionRecord[] {
    return (stmt(this.db, 'SELECT * FROM functions ORDER BY name').all() as Row[]).map((r) => configOf(r));
  }

  exists(name: string): boolean {
    return !!this.row(name);
  }

  /** $LATEST, a version number, or an alias (resolved to its primary version). */
  config(name: string, qualifier?: string): FunctionRecord {
    return this.cached(`c\0${name}\0${qualifier ?? ''}`, () => this.loadConfig(name, qualifier));
  }

  private loadConfig(name: string, qualifier?: string): FunctionRecord {
    const row = this.must(name);
    if (!qualifier || qualifier === '$LATEST') return configOf(row);
    if (/^[0-9]+$/.test(qualifier)) return this.versionConfig(row, qualifier);
    return this.versionConfig(row, this.alias(name, qualifier).functionVersion);
  }

  private versionConfig(row: Row, version: string): FunctionRecord {
    if (version === '$LATEST') return configOf(row);
    const v = stmt(this.db, 'SELECT * FROM versions WHERE function_name = ? AND version = ?').get(row.name, Number(version)) as Row | undefined;
    if (!v) throw notFound(`Function not found: ${row.name}:${version}`);
    const frozen = JSON.parse(v.config_json as string) as FunctionConfig;
    return { ...frozen, version: String(v.version), revisionId: v.revision_id as string, reservedConcurrency: configOf(row).reservedConcurrency };
  }

  updateCode(name: string, code: CodeRef, revisionId?: string): FunctionRecord {
    return this.write(() => {
      const row = this.must(name);
      this.checkRevision(row, revisionId);
      this.db
        .prepare('UPDATE functions SET artifact_dir = ?, code_sha256 = ?, code_size = ?, shape = ?, revision_id = ?, updated_at = ? WHERE name = ?')
        .run(code.artifactDir, code.sha256, code.size, code.shape, rev(), now(), name);
      return configOf(this.must(name));
    });
  }

  updateConfig(name: string, input: ConfigInput, revisionId?: string): FunctionRecord {
    return this.write(() => {
      const row = this.must(name);
      this.checkRevision(row, revisionId);
      const cfg = resolveConfig(input, configOf(row));
      this.db
        .prepare(
          `UPDATE functions SET runtime = ?, handler = ?, role = ?, description = ?, memory_mb = ?, timeout_ms = ?, env_json = ?,
             fuel = ?, reuse = ?, prewarm = ?, revision_id = ?, updated_at = ? WHERE name = ?`,
        )
        .run(cfg.runtime, cfg.handler, cfg.role, cfg.description, cfg.memoryMB, cfg.timeoutMs, JSON.stringify(cfg.env), cfg.fuel,
          cfg.reuse ? 1 : 0, cfg.prewarm, rev(), now(), name);
      return configOf(this.must(name));
    });
  }

  delete(name: string, qualifier?: string): void {
    this.write(() => {
      this.must(name);
      if (!qualifier || qualifier === '$LATEST') {
        if (qualifier === '$LATEST') throw invalid('$LATEST version cannot be deleted without deleting the function');
        stmt(this.db, 'DELETE FROM functions WHERE name = ?').run(name);
        return;
      }
      if (!/^[0-9]+$/.test(qualifier)) throw invalid('Deletion of aliases is not supported through DeleteFunction: use DeleteAlias');
      const used = stmt(this.db, 'SELECT name FROM aliases WHERE function_name = ? AND (function_version = ? OR routing_json LIKE ?)').get(name, qualifier, `%"${qualifier}"%`) as Row | undefined;
      if (used) throw conflict(`Unable to delete version because the following alias(es) refer to it: ${used.name}`);
      const r = stmt(this.db, 'DELETE FROM versions WHERE function_name = ? AND version = ?').run(name, Number(qualifier));
      if (r.changes === 0) throw notFound(`Function not found: ${name}:${qualifier}`);
    });
  }

  // ---- versions ----

  publish(name: string, description?: string, codeSha256?: string, revisionId?: string): FunctionRecord {
    return this.write(() => {
      const row = this.must(name);
      this.checkRevision(row, revisionId);
      const latest = configOf(row);
      if (codeSha256 !== undefined && codeSha256 !== latest.codeSha256) {
        throw invalid(`CodeSha256 ${codeSha256} does not match the $LATEST code ${latest.codeSha256}`);
      }
      const { reservedConcurrency: _rc, revisionId: _r, version: _v, ...frozen } = latest;
      const json = JSON.stringify(frozen);
      // Like Lambda: nothing changed since the last version -> that version, not a new one.
      const last = stmt(this.db, 'SELECT * FROM versions WHERE function_name = ? ORDER BY version DESC LIMIT 1').get(name) as Row | undefined;
      if (last && last.config_json === json) return this.versionConfig(row, String(last.version));
      const next = ((last?.version as number | undefined) ?? 0) + 1;
      this.db
        .prepare('INSERT INTO versions (function_name, version, description, config_json, code_sha256, revision_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(name, next, description ?? '', json, latest.codeSha256, rev(), now());
      return { ...this.versionConfig(row, String(next)), description: description ?? latest.description };
    });
  }

  versions(name: string): FunctionRecord[] {
    const row = this.must(name);
    const rows = stmt(this.db, 'SELECT version FROM versions WHERE function_name = ? ORDER BY version').all(name) as Row[];
    return [configOf(row), ...rows.map((r) => this.versionConfig(row, String(r.version)))];
  }

  versionDescription(name: string, version: string): string | undefined {
    const r = stmt(this.db, 'SELECT description FROM versions WHERE function_name = ? AND version = ?').get(name, Number(version)) as Row | undefined;
    return r?.description as string | undefined;
  }

  // ---- aliases ----

  private checkAliasTarget(name: string, version: string, weights: Record<string, number>): void {
    const row = this.must(name);
    if (version !== '$LATEST') this.versionConfig(row, version);
    let total = 0;
    for (const [v, w] of Object.entries(weights)) {
      if (!/^[0-9]+$/.test(v)) throw invalid(`AdditionalVersionWeights keys must be published versions, got ${JSON.stringify(v)}`);
      if (v === version) throw invalid('AdditionalVersionWeights cannot name the alias primary version');
      if (typeof w !== 'number' || !(w >= 0 && w <= 1)) throw invalid(`weight for version ${v} must be between 0.0 and 1.0`);
      this.versionConfig(row, v);
      total += w;
    }
    if (total > 1) throw invalid('the sum of AdditionalVersionWeights must not exceed 1.0');
  }

  createAlias(name: string, alias: string, version: string, description = '', weights: Record<string, number> = {}): AliasConfig {
    if (!ALIAS_NAME.test(alias)) throw invalid(`invalid alias name ${JSON.stringify(alias)}`);
    return this.write(() => {
      this.checkAliasTarget(name, version, weights);
      const exists = stmt(this.db, 'SELECT 1 FROM aliases WHERE function_name = ? AND name = ?').get(name, alias);
      if (exists) throw conflict(`Alias already exists: ${alias}`);
      this.db
        .prepare('INSERT INTO aliases (function_name, name, function_version, description, routing_json, revision_id) VALUES (?, ?, ?, ?, ?, ?)')
        .run(name, alias, version, description, JSON.stringify(weights), rev());
      return this.alias(name, alias);
    });
  }

  alias(name: string, alias: string): AliasConfig {
    return this.cached(`a\0${name}\0${alias}`, () => this.loadAlias(name, alias));
  }

  private loadAlias(name: string, alias: string): AliasConfig {
    this.must(name);
    const r = stmt(this.db, 'SELECT * FROM aliases WHERE function_name = ? AND name = ?').get(name, alias) as Row | undefined;
    if (!r) throw notFound(`Alias not found: ${name}:${alias}`);
    return aliasOf(r);
  }

  aliases(name: string): AliasConfig[] {
    this.must(name);
    return (stmt(this.db, 'SELECT * FROM aliases WHERE function_name = ? ORDER BY name').all(name) as Row[]).map(aliasOf);
  }

  updateAlias(name: string, alias: string, patch: { version?: string; description?: string; weights?: Record<string, number> }, revisionId?: string): AliasConfig {
    return this.write(() => {
      const cur = this.alias(name, alias);
      if (revisionId !== undefined && revisionId !== cur.revisionId) throw preconditionFailed('The Revision Id provided does not match the latest Revision Id');
      const version = patch.version ?? cur.functionVersion;
      const weights = patch.weights ?? cur.weights;
      this.checkAliasTarget(name, version, weights);
      this.db
        .prepare('UPDATE aliases SET function_version = ?, description = ?, routing_json = ?, revision_id = ? WHERE function_name = ? AND name = ?')
        .run(version, patch.description ?? cur.description, JSON.stringify(weights), rev(), name, alias);
      return this.alias(name, alias);
    });
  }

  deleteAlias(name: string, alias: string): void {
    this.must(name);
    const r = this.write(() => stmt(this.db, 'DELETE FROM aliases WHERE function_name = ? AND name = ?').run(name, alias));
    if (r.changes === 0) throw notFound(`Alias not found: ${name}:${alias}`);
  }

  // ---- concurrency ----

  setReservedConcurrency(name: string, value: number | null): void {
    if (value !== null) checkRange('ReservedConcurrentExecutions', value, [0, 1000]);
    this.must(name);
    this.write(() => stmt(this.db, 'UPDATE functions SET reserved_concurrency = ? WHERE name = ?').run(value, name));
  }

  // ---- resolution for invocations ----

  /**
   * The spec that serves one invocation of name[:qualifier]. An alias with extra weights picks
   * a version at random in proportion (`rand` in [0,1)); the chosen version is reported.
   * Resolutions are kept until the next write, like the configs they come from: every request
   * resolves its function, and a new spec per request was garbage (treat them as read only).
   */
  resolve(name: string, qualifier?: string, rand?: number): Resolved {
    let q = qualifier;
    if (q && q !== '$LATEST' && !/^[0-9]+$/.test(q)) {
      const a = this.alias(name, q);
      q = a.functionVersion;
      const r = rand ?? Math.random();
      let acc = 0;
      for (const [v, w] of Object.entries(a.weights)) {
        acc += w;
        if (r < acc) {
          q = v;
          break;
        }
      }
    }
    if (this.writing > 0) return resolvedOf(this.config(name, q));
    const key = q ?? '';
    let byQualifier = this.resolutions.get(name);
    let hit = byQualifier?.get(key);
    if (!hit) {
      hit = resolvedOf(this.config(name, q));
      if (!byQualifier) this.resolutions.set(name, (byQualifier = new Map()));
      byQualifier.set(key, hit);
    }
    return hit;
  }
}

/** What an invocation runs: the spec, the record it comes from, and its reserved concurrency. */
export interface Resolved {
  readonly spec: FunctionSpec;
  readonly config: FunctionRecord;
  readonly reserved: number | null;
}

const resolvedOf = (config: FunctionRecord): Resolved => ({ spec: specOf(config), config, reserved: config.reservedConcurrency });

export function specOf(c: FunctionConfig): FunctionSpec {
  return {
    name: c.name,
    version: c.version,
    artifactDir: c.artifactDir,
    memoryMB: c.memoryMB,
    timeoutMs: c.timeoutMs,
    env: c.env,
    reuse: c.reuse,
    prewarm: c.prewarm,
    fuel: c.fuel,
  };
}
