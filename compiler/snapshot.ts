/**
 * Memory snapshots for core modules with a big initial memory image (StarlingMonkey: 10,000
 * data segments, 3.4 MB spread over 9.5 MB). Instantiating such a module copies every segment
 * into a fresh memory, and the page faults of that copy were most of its ~2.6 ms. At build time
 * this splits the module in two:
 *
 * - the module itself, its memory now imported from `wisp:snapshot` `memory` (same limits),
 *   without its data (or, when code refers to segments by index through memory.init/data.drop,
 *   with every active segment emptied, so those indices keep their meaning);
 * - a restore module importing the same memory, whose `restore(zeroEnd)` writes the initial
 *   image back: the segments, merged where they are close, as passive segments. With
 *   `zeroEnd` > 0 it first zeroes every other byte below zeroEnd, so a reused memory of the
 *   initial size ends up byte for byte what a fresh instantiation would have made; 0 means the
 *   memory is fresh (all zero) and only the image is copied.
 *
 * The runtime (runtime/engine/snapshot.ts) hands the module a pooled, already-touched memory.
 */

import { DecodeError, Reader, Writer } from './fuel/bytes.js';
import { RESTORE_EXPORT, SNAPSHOT_MEMORY, SNAPSHOT_MODULE } from './snapshot-abi.js';
import { copySection, findInstruction, importedMemories, readLimits, sections, writeSection, type Limits, type Section } from './wasm-sections.js';

/** Below this much data a module keeps its segments: the copy is cheap, a second module not. */
const MIN_DATA_BYTES = 64 * 1024;
/** Segments closer than this are restored as one run (zeros included): fewer memory.init
 *  calls, and a fresh memory faults in the same pages either way. */
const MERGE_GAP = 4096;
const PAGE = 65536;

export interface MemoryShape {
  initialPages: number;
  maximumPages?: number;
}

export interface SnapshotSplit extends MemoryShape {
  module: Uint8Array;
  restore: Uint8Array;
  /** Bytes of initial image the restore module carries (merged runs). */
  imageBytes: number;
}

interface Segment {
  offset: number;
  data: Uint8Array;
}

class Unsupported extends Error {}

/** A memory this module defines: plain 32-bit only. */
function limits(r: Reader): Limits {
  const lim = readLimits(r);
  if (lim.flags & ~1) throw new Unsupported('shared or 64-bit limits');
  return lim;
}

/** `i32.const N end` as an unsigned offset; anything else (global.get, extended const) is not
 *  known at build time. */
function constOffset(r: Reader): number {
  if (r.byte() !== 0x41) throw new Unsupported('non-constant data offset');
  const v = r.s33();
  if (r.byte() !== 0x0b) throw new Unsupported('non-constant data offset');
  return v >>> 0;
}

function readSegments(buf: Uint8Array, sec: Section): { actives: Segment[]; count: number } {
  const r = new Reader(buf, sec.start, sec.end);
  const count = r.u32();
  const actives: Segment[] = [];
  for (let i = 0; i < count; i++) {
    const flags = r.u32();
    if (flags === 1) {
      r.skip(r.u32());
      continue;
    }
    if (flags === 2 && r.u32() !== 0) throw new Unsupported('data for another memory');
    if (flags !== 0 && flags !== 2) throw new Unsupported(`data segment flags ${flags}`);
    const offset = constOffset(r);
    actives.push({ offset, data: r.bytes(r.u32()) });
  }
  return { actives, count };
}

/** Segments, applied in order (later ones win, as at instantiation), as disjoint runs. */
function mergeRuns(actives: Segment[]): Segment[] {
  const sorted = actives.map((s, i) => ({ ...s, i })).sort((a, b) => a.offset - b.offset || a.i - b.i);
  const spans: { start: number; end: number }[] = [];
  for (const s of sorted) {
    const last = spans[spans.length - 1];
    const end = s.offset + s.data.length;
    if (last && s.offset - last.end <= MERGE_GAP) last.end = Math.max(last.end, end);
    else spans.push({ start: s.offset, end });
  }
  const runs = spans.map((sp) => ({ offset: sp.start, data: new Uint8Array(sp.end - sp.start) }));
  // Overlaps are rare, but order matters where they happen: replay in declaration order.
  let k = 0;
  const runOf = (offset: number) => {
    while (runs[k]!.offset > offset) k--;
    while (runs[k]!.offset + runs[k]!.data.length <= offset) k++;
    return runs[k]!;
  };
  for (const s of actives) {
    if (s.data.length === 0) continue;
    const run = runOf(s.offset);
    run.data.set(s.data, s.offset - run.offset);
  }
  return runs.filter((r) => r.data.length > 0);
}

/** Whether any function body uses memory.init or data.drop (data segment indices). */
function usesDataSegments(buf: Uint8Array, code: Section | undefined): boolean {
  return findInstruction(buf, code, (op, sub) => (op === 0xfc && (sub === 8 || sub === 9) ? true : undefined)) ?? false;
}

function memoryType(w: Writer, shape: MemoryShape): void {
  w.byte(shape.maximumPages === undefined ? 0 : 1);
  w.u32(shape.initialPages);
  if (shape.maximumPages !== undefined) w.u32(shape.maximumPages);
}

function rewriteModule(buf: Uint8Array, secs: Section[], shape: MemoryShape, dataCount: number, keepIndices: boolean): Uint8Array {
  const out = new Writer(buf.length);
  out.bytes(buf, 0, 8);
  let imported = false;
  const addImport = (w: Writer) => {
    w.name(SNAPSHOT_MODULE);
    w.name(SNAPSHOT_MEMORY);
    w.byte(2);
    memoryType(w, shape);
  };
  for (const s of secs) {
    if (s.id === 2) {
      const r = new Reader(buf, s.start, s.end);
      const n = r.u32();
      const w = new Writer(s.end - s.start + 32);
      w.u32(n + 1);
      w.bytes(buf, r.pos, s.end);
      addImport(w);
      writeSection(out, 2, w);
      imported = true;
      continue;
    }
    if (s.id === 5) continue; // the one memory is now the import
    // Nothing refers to a segment by index: no data at all (V8 keeps per-instance arrays
    // sized by the segment count, ~130 KiB for 10,000 segments).
    if (!keepIndices && (s.id === 11 || s.id === 12)) continue;
    if (!imported && s.id !== 0 && s.id !== 1) {
      const w = new Writer(64);
      w.u32(1);
      addImport(w);
      writeSection(out, 2, w);
      imported = true;
    }
    if (s.id === 11) {
      // Empty active segments: instantiation still bounds-checks and drops them, and every
      // data index the code uses (memory.init / data.drop) means what it meant.
      const r = new Reader(buf, s.start, s.end);
      r.u32();
      const w = new Writer(dataCount * 5 + 8);
      w.u32(dataCount);
      for (let i = 0; i < dataCount; i++) {
        const flags = r.u32();
        if (flags === 1) {
          const len = r.u32();
          w.byte(1);
          w.u32(len);
          w.bytes(r.bytes(len));
          continue;
        }
        if (flags === 2) r.u32();
        constOffset(r);
        r.skip(r.u32());
        w.bytes(new Uint8Array([0x00, 0x41, 0x00, 0x0b, 0x00]));
      }
      writeSection(out, 11, w);
      continue;
    }
    copySection(out, buf, s);
  }
  return out.result();
}

function i32Const(w: Writer, v: number): void {
  w.byte(0x41);
  w.sleb(v | 0);
}

function fill(w: Writer, start: number, len: number): void {
  if (len <= 0) return;
  i32Const(w, start);
  i32Const(w, 0);
  i32Const(w, len);
  w.bytes(new Uint8Array([0xfc, 0x0b, 0x00]));
}

function restoreModule(runs: Segment[], shape: MemoryShape): Uint8Array {
  const out = new Writer(runs.reduce((n, r) => n + r.data.length, 256));
  out.bytes(new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]));
  const types = new Writer();
  types.bytes(new Uint8Array([1, 0x60, 1, 0x7f, 0]));
  writeSection(out, 1, types);
  const imports = new Writer();
  imports.u32(1);
  imports.name(SNAPSHOT_MODULE);
  imports.name(SNAPSHOT_MEMORY);
  imports.byte(2);
  memoryType(imports, shape);
  writeSection(out, 2, imports);
  const funcs = new Writer();
  funcs.bytes(new Uint8Array([1, 0]));
  writeSection(out, 3, funcs);
  const exports = new Writer();
  exports.u32(1);
  exports.name(RESTORE_EXPORT);
  exports.bytes(new Uint8Array([0, 0]));
  writeSection(out, 7, exports);
  const count = new Writer();
  count.u32(runs.length);
  writeSection(out, 12, count);

  const body = new Writer();
  body.byte(0); // no locals
  body.bytes(new Uint8Array([0x20, 0x00, 0x04, 0x40])); // if (local.get 0): a reused memory
  let at = 0;
  for (const run of runs) {
    fill(body, at, run.offset - at);
    at = run.offset + run.data.length;
  }
  // zeroEnd - at: the rest of the memory, whatever its initial size.
  i32Const(body, at);
  i32Const(body, 0);
  body.bytes(new Uint8Array([0x20, 0x00]));
  i32Const(body, at);
  body.bytes(new Uint8Array([0x6b, 0xfc, 0x0b, 0x00, 0x0b])); // i32.sub, memory.fill, end
  runs.forEach((run, i) => {
    i32Const(body, run.offset);
    i32Const(body, 0);
    i32Const(body, run.data.length);
    body.bytes(new Uint8Array([0xfc, 0x08]));
    body.u32(i);
    body.byte(0);
  });
  body.byte(0x0b);
  const code = new Writer();
  code.u32(1);
  code.sized(body);
  writeSection(out, 10, code);

  const data = new Writer(out.buf.length);
  data.u32(runs.length);
  for (const run of runs) {
    data.byte(1);
    data.u32(run.data.length);
    data.bytes(run.data);
  }
  writeSection(out, 11, data);
  return out.result();
}

/**
 * The split, or undefined when the module does not qualify: it must define exactly one plain
 * 32-bit memory and import none, have at least MIN_DATA_BYTES of active data at constant
 * offsets, all within its initial size. Anything else keeps its data segments.
 */
export function splitMemorySnapshot(buf: Uint8Array): SnapshotSplit | undefined {
  try {
    const secs = sections(buf);
    const imports = secs.find((s) => s.id === 2);
    if (imports && importedMemories(new Reader(buf, imports.start, imports.end)) > 0) return undefined;
    const mem = secs.find((s) => s.id === 5);
    const dataSec = secs.find((s) => s.id === 11);
    if (!mem || !dataSec) return undefined;
    const r = new Reader(buf, mem.start, mem.end);
    if (r.u32() !== 1) return undefined;
    const lim = limits(r);
    const shape: MemoryShape = { initialPages: lim.min, maximumPages: lim.max };
    const { actives, count } = readSegments(buf, dataSec);
    const dataBytes = actives.reduce((n, s) => n + s.data.length, 0);
    if (dataBytes < MIN_DATA_BYTES) return undefined;
    if (actives.some((s) => s.offset + s.data.length > lim.min * PAGE)) return undefined;
    const runs = mergeRuns(actives);
    return {
      ...shape,
      module: rewriteModule(buf, secs, shape, count, usesDataSegments(buf, secs.find((s) => s.id === 10))),
      restore: restoreModule(runs, shape),
      imageBytes: runs.reduce((n, s) => n + s.data.length, 0),
    };
  } catch (e) {
    // A module the splitter cannot read keeps its data segments: slower, never wrong.
    if (e instanceof Unsupported || e instanceof DecodeError) return undefined;
    throw e;
  }
}
