// A guest's environment. A command's CGI environment is the same for every request of a function
// except for the request's own variables: that part (EnvBlock) is encoded once per function as
// WASI's environ_get lays it out (`KEY=VALUE\0` back to back) and copied into each guest; the
// request's variables are encoded per invocation (docs/bench.md, 5e).

const enc = new TextEncoder();

/** Fixed entries, encoded once. */
export interface EnvBlock {
  /** Every `KEY=VALUE\0`, back to back, UTF-8. */
  readonly bytes: Uint8Array;
  /** Where each entry starts in `bytes`. */
  readonly offsets: readonly number[];
  readonly entries: readonly (readonly [string, string])[];
}

export function envBlock(entries: readonly (readonly [string, string])[]): EnvBlock {
  const parts = entries.map(([k, v]) => enc.encode(`${k}=${v}\0`));
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  const offsets: number[] = [];
  let at = 0;
  for (const p of parts) {
    offsets.push(at);
    bytes.set(p, at);
    at += p.length;
  }
  return { bytes, offsets, entries };
}

const EMPTY_BLOCK = envBlock([]);

/** An environment: a fixed block first, then variables as [k0, v0, k1, v1, ...]. */
export class EnvList {
  constructor(
    readonly fixed: EnvBlock,
    readonly vars: readonly string[],
  ) {}

  /** A plain environment (no fixed block), in the object's order. */
  static of(env: Record<string, string>): EnvList {
    const vars: string[] = [];
    for (const k in env) vars.push(k, env[k]!);
    return new EnvList(EMPTY_BLOCK, vars);
  }

  get count(): number {
    return this.fixed.offsets.length + this.vars.length / 2;
  }

  entries(): [string, string][] {
    const out = this.fixed.entries.map(([k, v]): [string, string] => [k, v]);
    for (let i = 0; i < this.vars.length; i += 2) out.push([this.vars[i]!, this.vars[i + 1]!]);
    return out;
  }

  toRecord(): Record<string, string> {
    return Object.fromEntries(this.entries());
  }

  /** The UTF-8 size of every entry with its `=` and NUL (environ_sizes_get). The variables are
   *  encoded here, into a scratch buffer that write() then copies: measuring them and encoding
   *  them later were two passes over every character. */
  size(): number {
    return this.fixed.bytes.length + this.encode();
  }

  /** Encodes the variables into the scratch buffer (it holds one list at a time); their size. */
  private encode(): number {
    if (scratch.owner === this) return scratch.length;
    const { vars } = this;
    let room = 0;
    for (let i = 0; i < vars.length; i++) room += 3 * vars[i]!.length + 1;
    if (scratch.bytes.length < room) scratch.bytes = new Uint8Array(2 * room);
    if (scratch.offsets.length < vars.length / 2) scratch.offsets = new Int32Array(vars.length);
    const { bytes, offsets } = scratch;
    let at = 0;
    for (let i = 0; i < vars.length; i += 2) {
      offsets[i >> 1] = at;
      at += putUtf8(bytes, at, vars[i]!);
      bytes[at++] = 0x3d; // '='
      at += putUtf8(bytes, at, vars[i + 1]!);
      bytes[at++] = 0;
    }
    scratch.owner = this;
    scratch.length = at;
    return at;
  }

  /** environ_get: the strings at `bufPtr` (room for size() checked by the caller), a pointer
   *  to each at `ptrsPtr` (room for count). */
  write(u8: Uint8Array, dv: DataView, ptrsPtr: number, bufPtr: number): void {
    const { bytes, offsets } = this.fixed;
    u8.set(bytes, bufPtr);
    let p = ptrsPtr;
    for (let i = 0; i < offsets.length; i++, p += 4) dv.setUint32(p, bufPtr + offsets[i]!, true);
    const n = this.encode();
    const base = bufPtr + bytes.length;
    u8.set(n === scratch.bytes.length ? scratch.bytes : scratch.bytes.subarray(0, n), base);
    for (let i = 0; i < this.vars.length >> 1; i++, p += 4) dv.setUint32(p, base + scratch.offsets[i]!, true);
  }
}

/** The variables of the last list measured, encoded (per thread; only one guest runs at a time). */
const scratch = { owner: undefined as EnvList | undefined, bytes: new Uint8Array(0), offsets: new Int32Array(0), length: 0 };

/** UTF-8 length; a loop for ASCII (nearly every environment string), no native call. */
export function utf8Length(s: string): number {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return Buffer.byteLength(s, 'utf8');
  return s.length;
}

/** `s` as UTF-8 at `at` (the caller checked the room); the bytes written. ASCII is copied by a
 *  loop: no view or encoder call per string. */
export function putUtf8(u8: Uint8Array, at: number, s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) return enc.encodeInto(s, u8.subarray(at)).written;
    u8[at + i] = c;
  }
  return s.length;
}
