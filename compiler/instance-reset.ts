// A preview1 command module marked as resettable: an instance of it can be put back, between two
// invocations, into exactly the state a new instantiation would give it, so the runtime can run
// the next invocation on it instead of making a new V8 instance (runtime/engine/memory-pool.ts,
// docs/runtime.md "Recycled instances").
//
// The state of a core instance is its memories, tables, globals and the dropped flags of its
// segments. The module must already import its one memory (compiler/memory-import.ts): the
// runtime zeroes that memory and copies the data segments' bytes back. For the rest, the module
// qualifies only when nothing else can change:
//   - tables: no table.set / table.grow / table.fill / table.copy / table.init in any function
//     (tables then keep what the element segments put there at instantiation);
//   - segments: no memory.init / data.drop / elem.drop and no passive data segments (active
//     segments are dropped at instantiation either way, so only passive ones could differ);
//   - no GC types (a struct or array reached from an immutable global or a table could be
//     changed in place);
//   - no start function (it would have to run again, and a reset cannot call it);
//   - mutable globals of numeric types only (the JS API reads and writes those; v128 it cannot).
// Each defined mutable global is then exported as `wisp:global:<index>` (what JS needs to write
// it), and a custom section records which globals and which byte ranges the data segments cover.

import { DecodeError, Reader, Writer } from './fuel/bytes.js';
import { decode, K, valType } from './fuel/opcodes.js';
import { MEMORY_IMPORT } from './memory-import.js';
import { copySection, findInstruction, importEntries, KIND, SEC, sections, writeSection, type Section } from './wasm-sections.js';

/** Custom section: u32 n, n x u32 global index; u32 m, m x (u32 start, u32 end) data ranges. */
export const RESET_SECTION = 'wisp:reset';
export const GLOBAL_EXPORT_PREFIX = 'wisp:global:';

export interface ResetInfo {
  /** Export names of the mutable globals, in index order. */
  globals: string[];
  /** Byte ranges [start, end) of memory that cover what the data segments write (gaps of up to
   *  MERGE_GAP bytes between them included), sorted and disjoint. */
  data: [number, number][];
}

/** start, element, code, data, data count: the sections an export section precedes. */
const AFTER_EXPORT = new Set([8, 9, 10, 11, 12]);
/** i32, i64, f32, f64. */
const NUMERIC = new Set([0x7f, 0x7e, 0x7d, 0x7c]);

class NotResettable extends Error {}

/**
 * `bytes` (a module that imports its memory from wisp:memory) with its mutable globals exported
 * and the reset section added; or, when an instance of it could not be reset to its initial
 * state, why not (the build records it in meta.resettable and keeps the module as it was).
 */
export function prepareReset(bytes: Uint8Array): { module: Uint8Array<ArrayBuffer> } | { reason: string } {
  try {
    return { module: rewrite(bytes) };
  } catch (e) {
    if (e instanceof NotResettable || e instanceof DecodeError) return { reason: e.message };
    throw e;
  }
}

function rewrite(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const secs = sections(bytes);
  const find = (id: number) => secs.find((s) => s.id === id);
  if (find(SEC.start)) throw new NotResettable('a start function');
  checkTypes(bytes, find(SEC.type));
  const imported = importedGlobals(bytes, find(SEC.import));
  const mutable = mutableGlobals(bytes, find(SEC.global), imported);
  checkCode(bytes, find(SEC.code));
  const data = dataRanges(bytes, find(SEC.data));

  const exports = new Writer();
  const ex = find(SEC.export);
  const names = mutable.map((g) => `${GLOBAL_EXPORT_PREFIX}${g}`);
  if (ex) {
    const r = new Reader(bytes, ex.start, ex.end);
    const n = r.u32();
    exports.u32(n + names.length);
    exports.bytes(bytes, r.pos, ex.end);
  } else {
    exports.u32(names.length);
  }
  mutable.forEach((g, i) => {
    exports.name(names[i]!);
    exports.byte(KIND.global);
    exports.u32(g);
  });

  const w = new Writer(bytes.length + 64 + names.length * 24);
  w.bytes(bytes, 0, 8);
  // The export section sits after the global section and before start/element/code/data.
  let placed = false;
  const placeExports = () => {
    if (!placed) writeSection(w, SEC.export, exports);
    placed = true;
  };
  for (const s of secs) {
    if (s === ex) {
      placeExports();
      continue;
    }
    if (!ex && AFTER_EXPORT.has(s.id)) placeExports();
    copySection(w, bytes, s);
  }
  placeExports();

  const info = new Writer(16 + mutable.length * 5 + data.length * 10);
  info.name(RESET_SECTION);
  info.u32(mutable.length);
  for (const g of mutable) info.u32(g);
  info.u32(data.length);
  for (const [start, end] of data) {
    info.u32(start);
    info.u32(end);
  }
  writeSection(w, SEC.custom, info);
  return w.result();
}

/** Function types only: a struct or array (GC) could be reached from an immutable global or a
 *  table and changed in place, which no reset of globals and memory would undo. */
function checkTypes(bytes: Uint8Array, sec: Section | undefined): void {
  if (!sec) return;
  const r = new Reader(bytes, sec.start, sec.end);
  const n = r.u32();
  for (let i = 0; i < n; i++) {
    if (r.byte() !== 0x60) throw new NotResettable('GC types (struct, array or recursive groups)');
    for (let params = r.u32(); params > 0; params--) valType(r);
    for (let results = r.u32(); results > 0; results--) valType(r);
  }
}

/** How many globals the module imports (they come first in the global index space). The only
 *  memory it may import is Wisp's own pooled one. */
function importedGlobals(bytes: Uint8Array, sec: Section | undefined): number {
  const entries = sec ? importEntries(new Reader(bytes, sec.start, sec.end)) : [];
  const memories = entries.filter((e) => e.kind === KIND.memory);
  const foreign = memories.find((e) => e.module !== MEMORY_IMPORT.module || e.field !== MEMORY_IMPORT.name);
  if (foreign) throw new NotResettable(`a memory imported from ${foreign.module}`);
  if (memories.length !== 1) throw new NotResettable('no imported memory');
  return entries.filter((e) => e.kind === KIND.global).length;
}

function mutableGlobals(bytes: Uint8Array, sec: Section | undefined, imported: number): number[] {
  if (!sec) return [];
  const r = new Reader(bytes, sec.start, sec.end);
  const out: number[] = [];
  const n = r.u32();
  for (let i = 0; i < n; i++) {
    const type = r.peek();
    valType(r);
    const mutable = r.byte() === 1;
    if (mutable) {
      if (!NUMERIC.has(type)) throw new NotResettable(`a mutable global of type 0x${type.toString(16)}`);
      out.push(imported + i);
    }
    // The initializer: a constant expression ending at its `end`.
    while (decode(r) !== K.End);
  }
  return out;
}

/** Instructions that change a table or a segment's dropped flag. */
function checkCode(bytes: Uint8Array, sec: Section | undefined): void {
  const what = findInstruction(bytes, sec, (op, sub) => (op === 0x26 ? 'table.set' : MUTATING_FC[sub]));
  if (what) throw new NotResettable(what);
}

const MUTATING_FC: Record<number, string> = {
  8: 'memory.init',
  9: 'data.drop',
  12: 'table.init',
  13: 'elem.drop',
  14: 'table.copy',
  15: 'table.grow',
  17: 'table.fill',
};

/** Ranges closer than this are copied back as one (the zeros between them included, which is
 *  what a new instance has there): Go's 32,576 segments become a handful of copies. */
const MERGE_GAP = 4096;

/** The byte ranges active data segments write, merged; only constant offsets are known. */
function dataRanges(bytes: Uint8Array, sec: Section | undefined): [number, number][] {
  if (!sec) return [];
  const r = new Reader(bytes, sec.start, sec.end);
  const spans: [number, number][] = [];
  const n = r.u32();
  for (let i = 0; i < n; i++) {
    const flags = r.u32();
    if (flags === 1) throw new NotResettable('a passive data segment');
    if (flags === 2 && r.u32() !== 0) throw new NotResettable('data for another memory');
    if (flags !== 0 && flags !== 2) throw new NotResettable(`data segment flags ${flags}`);
    if (r.byte() !== 0x41) throw new NotResettable('a non-constant data offset');
    const offset = r.s33() >>> 0;
    if (r.byte() !== 0x0b) throw new NotResettable('a non-constant data offset');
    const len = r.u32();
    r.skip(len);
    if (len > 0) spans.push([offset, offset + len]);
  }
  spans.sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const s of spans) {
    const last = merged[merged.length - 1];
    if (last && s[0] - last[1] <= MERGE_GAP) last[1] = Math.max(last[1], s[1]);
    else merged.push([s[0], s[1]]);
  }
  return merged;
}

/** What a module prepared by prepareReset() records; undefined for any other module. */
export function resetInfoOf(module: WebAssembly.Module): ResetInfo | undefined {
  const [section] = WebAssembly.Module.customSections(module, RESET_SECTION);
  if (!section) return undefined;
  const r = new Reader(new Uint8Array(section));
  const globals: string[] = [];
  for (let n = r.u32(); n > 0; n--) globals.push(`${GLOBAL_EXPORT_PREFIX}${r.u32()}`);
  const data: [number, number][] = [];
  for (let n = r.u32(); n > 0; n--) data.push([r.u32(), r.u32()]);
  return { globals, data };
}
