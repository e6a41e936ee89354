// Section-level reading and writing of a core module, for the build-time rewrites that move a
// module's memory to an import (compiler/memory-import.ts, compiler/snapshot.ts) and mark it
// resettable (compiler/instance-reset.ts).

import { DecodeError, Reader, type Writer } from './fuel/bytes.js';
import { decode, valType } from './fuel/opcodes.js';

/** Section ids (the binary format's). */
export const SEC = { custom: 0, type: 1, import: 2, memory: 5, global: 6, export: 7, start: 8, code: 10, data: 11 } as const;
/** Import / export kinds. */
export const KIND = { memory: 2, global: 3 } as const;

export interface Section {
  id: number;
  /** Payload start and end (after the id and size). */
  start: number;
  end: number;
}

/** The sections of a module, in order (the 8-byte preamble is not checked here). */
export function sections(buf: Uint8Array): Section[] {
  const r = new Reader(buf, 8);
  const out: Section[] = [];
  while (!r.eof()) {
    const id = r.byte();
    const size = r.u32();
    out.push({ id, start: r.pos, end: r.pos + size });
    r.skip(size);
  }
  return out;
}

export function writeSection(out: Writer, id: number, body: Writer): void {
  out.byte(id);
  out.sized(body);
}

/** A section of `buf` as it is. */
export function copySection(out: Writer, buf: Uint8Array, s: Section): void {
  out.byte(s.id);
  out.u32(s.end - s.start);
  out.bytes(buf, s.start, s.end);
}

export interface Limits {
  flags: number;
  min: number;
  max?: number;
}

export function readLimits(r: Reader): Limits {
  const flags = r.byte();
  const min = r.u32();
  return flags & 1 ? { flags, min, max: r.u32() } : { flags, min };
}

function skipValType(r: Reader): void {
  const b = r.byte();
  if (b === 0x63 || b === 0x64) r.s33();
}

export interface ImportEntry {
  module: string;
  field: string;
  /** 0 function, 1 table, 2 memory, 3 global, 4 tag. */
  kind: number;
}

/** The entries of an import section's payload. DecodeError on what the build-time rewrites do
 *  not handle: compact imports, shared or 64-bit tables and memories, unknown kinds. */
export function importEntries(r: Reader): ImportEntry[] {
  const plainLimits = () => {
    if (readLimits(r).flags & ~1) throw new DecodeError('shared or 64-bit limits');
  };
  const out: ImportEntry[] = [];
  const n = r.u32();
  for (let i = 0; i < n; i++) {
    const module = r.name();
    const field = r.name();
    const kind = r.byte();
    if (field === '' && (kind === 0x7e || kind === 0x7f)) throw new DecodeError('compact imports');
    if (kind === 0) r.u32();
    else if (kind === 1) {
      skipValType(r);
      plainLimits();
    } else if (kind === 2) {
      plainLimits();
    } else if (kind === 3) {
      skipValType(r);
      r.byte();
    } else if (kind === 4) {
      r.byte();
      r.u32();
    } else throw new DecodeError(`import kind ${kind}`);
    out.push({ module, field, kind });
  }
  return out;
}

/** Counts the memories an import section's payload imports (DecodeError as importEntries). */
export function importedMemories(r: Reader): number {
  return importEntries(r).filter((e) => e.kind === 2).length;
}

/**
 * Walks every instruction of every function body in the code section and returns the first
 * non-undefined answer of `test(opcode, sub)`, `sub` being the LEB sub-opcode after a 0xFC prefix
 * (-1 for any other instruction); undefined when none answers.
 */
export function findInstruction<T>(buf: Uint8Array, code: Section | undefined, test: (op: number, sub: number) => T | undefined): T | undefined {
  if (!code) return undefined;
  const r = new Reader(buf, code.start, code.end);
  const n = r.u32();
  for (let i = 0; i < n; i++) {
    const size = r.u32();
    const end = r.pos + size;
    const groups = r.u32();
    for (let g = 0; g < groups; g++) {
      r.u32();
      valType(r);
    }
    while (r.pos < end) {
      const op = buf[r.pos]!;
      const found = test(op, op === 0xfc ? new Reader(buf, r.pos + 1, end).u32() : -1);
      if (found !== undefined) return found;
      decode(r);
    }
  }
  return undefined;
}
