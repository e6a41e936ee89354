// A preview1 command module rewritten to import its linear memory instead of defining it, so
// that the runtime can hand each new instance an already-allocated, zeroed memory from a pool
// (runtime/engine/memory-pool.ts) instead of paying for a fresh reservation and its page faults.
// V8 copies the data segments into an imported memory at instantiation, exactly as into its own.
//
// The import carries the memory's original limits; since the JS API of Node 20 cannot reflect
// them, they are also written to a custom section the runtime reads (`memoryTypeOf`).

import { DecodeError, Reader, Writer } from './fuel/bytes.js';
import { copySection, importedMemories, KIND, readLimits, SEC, sections, writeSection } from './wasm-sections.js';

export const MEMORY_IMPORT = { module: 'wisp:memory', name: 'memory' } as const;
/** Custom section: u32 initial pages, u8 has-maximum, [u32 maximum pages]. */
export const MEMORY_TYPE_SECTION = 'wisp:memory';

export interface MemoryType {
  initial: number;
  maximum?: number;
}


/**
 * `bytes` with its one defined memory turned into (import "wisp:memory" "memory") with the same
 * limits, or undefined when the module does not fit: no memory or several, a memory import
 * already, shared or 64-bit memory, an import section it cannot read. Indices do not move: memory 0 stays memory 0.
 */
export function importMemory(bytes: Uint8Array): Uint8Array<ArrayBuffer> | undefined {
  try {
    return rewrite(bytes);
  } catch (e) {
    // An import section neither rewrite can read: the module keeps its own memory (no pool).
    if (e instanceof DecodeError) return undefined;
    throw e;
  }
}

function rewrite(bytes: Uint8Array): Uint8Array<ArrayBuffer> | undefined {
  const secs = sections(bytes);
  const mem = secs.find((s) => s.id === SEC.memory);
  const imp = secs.find((s) => s.id === SEC.import);
  if (!mem || (imp && importedMemories(new Reader(bytes, imp.start, imp.end)) > 0)) return undefined;
  const r = new Reader(bytes, mem.start, mem.end);
  if (r.u32() !== 1) return undefined;
  const lim = readLimits(r);
  if (lim.flags > 1) return undefined;

  const imports = new Writer();
  if (imp) {
    const ir = new Reader(bytes, imp.start, imp.end);
    imports.u32(ir.u32() + 1);
    imports.bytes(bytes, ir.pos, imp.end);
  } else {
    imports.u32(1);
  }
  imports.name(MEMORY_IMPORT.module);
  imports.name(MEMORY_IMPORT.name);
  imports.byte(KIND.memory);
  imports.bytes(bytes, mem.start + 1, mem.end);

  const w = new Writer(bytes.length + 64);
  w.bytes(bytes, 0, 8);
  // The import section goes where it was, or right after the type section if there was none.
  const anchor = imp ?? secs.find((s) => s.id === SEC.type);
  if (!anchor) writeSection(w, SEC.import, imports);
  for (const s of secs) {
    if (s.id === SEC.memory) continue;
    if (s === imp) {
      writeSection(w, SEC.import, imports);
      continue;
    }
    copySection(w, bytes, s);
    if (s === anchor && !imp) writeSection(w, SEC.import, imports);
  }
  const type = new Writer(16);
  type.name(MEMORY_TYPE_SECTION);
  type.u32(lim.min);
  type.byte(lim.max === undefined ? 0 : 1);
  if (lim.max !== undefined) type.u32(lim.max);
  writeSection(w, SEC.custom, type);
  return w.result();
}

/** The limits of the memory a rewritten module imports; undefined for any other module. */
export function memoryTypeOf(module: WebAssembly.Module): MemoryType | undefined {
  const [data] = WebAssembly.Module.customSections(module, MEMORY_TYPE_SECTION);
  if (!data) return undefined;
  const r = new Reader(new Uint8Array(data));
  const initial = r.u32();
  return r.byte() ? { initial, maximum: r.u32() } : { initial };
}
