/**
 * Instruction decoder: classifies each WebAssembly instruction and skips its immediates.
 * Covers MVP, sign-ext, non-trapping float-to-int, bulk memory, reference types, multi-value,
 * tail calls, SIMD (incl. relaxed SIMD), threads/atomics, exceptions (legacy try/catch/delegate
 * and try_table/throw_ref), typed function references and GC. Anything else is rejected with a
 * clear message (the caller turns it into a FuelInstrumentError).
 */
import { DecodeError, type Reader } from './bytes.js';

export enum K {
  Plain = 0,
  Block,
  Loop,
  If,
  Else,
  End,
  Try,
  Catch, // legacy catch / catch_all
  Delegate,
  TryTable,
  Br,
  BrIf, // br_if, br_on_null, br_on_non_null, br_on_cast, br_on_cast_fail
  BrTable,
  Return,
  Unreachable,
  Throw, // throw, rethrow, throw_ref
  Call, // direct call (arg = function index)
  CallIndirect, // call_indirect, call_ref
  ReturnCall, // return_call (arg = function index)
  ReturnCallIndirect, // return_call_indirect, return_call_ref
  RefFunc, // arg = function index
  GlobalGet, // arg = global index
  GlobalSet, // arg = global index
  MemGrow, // arg = memory index
  TableGrow, // arg = table index
  Bulk, // memory.copy / memory.fill / memory.init: length (i32) on top of the stack
  MemSize, // arg = memory index (only tracked to reject memory64 correctly)
  Local, // local.get / local.set / local.tee (arg = local index)
}

/** Static cost classes; the numbers live in the cost table (costs.ts). */
export enum C {
  Free = 0,
  Normal,
  Call,
  MemGrow,
  TableGrow,
  Bulk,
  TableBulk,
}

/** Scratch outputs of `decode` (module-level to avoid allocating per instruction). */
export const out = {
  arg: 0,
  cls: C.Normal as C,
  /** Branch labels of br / br_if / br_table / br_on_* (relative depths). */
  labels: [] as number[],
  /** try_table catch clause labels (relative to the try_table's enclosing context). */
  catchLabels: [] as number[],
};

export function unsupported(what: string, r: Reader, at: number): never {
  throw new DecodeError(`unsupported instruction ${what} at byte offset ${at}`);
}

function memarg(r: Reader): void {
  const align = r.u32();
  if (align & 0x40) r.u32(); // multi-memory: explicit memory index
  r.skipLeb(); // offset (u32 or u64)
}

export function heapType(r: Reader): void {
  const b = r.peek();
  if (b === 0x65) throw new DecodeError(`shared heap types (shared-everything threads) are not supported (offset ${r.pos})`);
  if (b === 0x62) r.pos++; // exact type (custom descriptors): 0x62 typeidx
  r.s33();
}

export function valType(r: Reader): void {
  const b = r.byte();
  if (b === 0x63 || b === 0x64) heapType(r);
  else if (b === 0x65) throw new DecodeError(`shared reference types are not supported (offset ${r.pos - 1})`);
}

export function blockType(r: Reader): void {
  const b = r.peek();
  if (b === 0x63 || b === 0x64) {
    r.pos++;
    heapType(r);
  } else if ((b & 0x80) === 0) r.pos++;
  else r.s33();
}

/** Decode one instruction at r.pos; returns its kind and fills `out`. */
export function decode(r: Reader): K {
  const at = r.pos;
  const op = r.byte();
  out.cls = C.Normal;
  if (op >= 0x45 && op <= 0xc4) return K.Plain; // numeric, conversions, sign-ext
  if (op >= 0x28 && op <= 0x3e) {
    memarg(r);
    return K.Plain;
  }
  switch (op) {
    case 0x00:
      out.cls = C.Free;
      return K.Unreachable;
    case 0x01:
      out.cls = C.Free;
      return K.Plain;
    case 0x02:
      blockType(r);
      out.cls = C.Free;
      return K.Block;
    case 0x03:
      blockType(r);
      out.cls = C.Free;
      return K.Loop;
    case 0x04:
      blockType(r);
      return K.If;
    case 0x05:
      out.cls = C.Free;
      return K.Else;
    case 0x06:
      blockType(r);
      out.cls = C.Free;
      return K.Try;
    case 0x07:
      r.u32();
      out.cls = C.Free;
      return K.Catch;
    case 0x19:
      out.cls = C.Free;
      return K.Catch;
    case 0x08:
      r.u32();
      return K.Throw;
    case 0x09:
      r.u32();
      return K.Throw;
    case 0x0a:
      return K.Throw; // throw_ref
    case 0x0b:
      out.cls = C.Free;
      return K.End;
    case 0x0c:
      out.labels.length = 0;
      out.labels.push(r.u32());
      return K.Br;
    case 0x0d:
      out.labels.length = 0;
      out.labels.push(r.u32());
      return K.BrIf;
    case 0x0e: {
      out.labels.length = 0;
      const n = r.u32();
      for (let i = 0; i <= n; i++) out.labels.push(r.u32());
      return K.BrTable;
    }
    case 0x0f:
      return K.Return;
    case 0x10:
      out.arg = r.u32();
      out.cls = C.Call;
      return K.Call;
    case 0x11:
      r.u32();
      r.u32();
      out.cls = C.Call;
      return K.CallIndirect;
    case 0x12:
      out.arg = r.u32();
      out.cls = C.Call;
      return K.ReturnCall;
    case 0x13:
      r.u32();
      r.u32();
      out.cls = C.Call;
      return K.ReturnCallIndirect;
    case 0x14:
      r.u32();
      out.cls = C.Call;
      return K.CallIndirect; // call_ref
    case 0x15:
      r.u32();
      out.cls = C.Call;
      return K.ReturnCallIndirect; // return_call_ref
    case 0x18:
      r.u32();
      out.cls = C.Free;
      return K.Delegate;
    case 0x1a:
      out.cls = C.Free;
      return K.Plain; // drop
    case 0x1b:
      return K.Plain; // select
    case 0x1c: {
      const n = r.u32();
      for (let i = 0; i < n; i++) valType(r);
      return K.Plain;
    }
    case 0x1f: {
      blockType(r);
      out.catchLabels.length = 0;
      const n = r.u32();
      for (let i = 0; i < n; i++) {
        const kind = r.byte();
        if (kind === 0x00 || kind === 0x01) r.u32();
        else if (kind !== 0x02 && kind !== 0x03) throw new DecodeError(`bad try_table catch kind ${kind} at offset ${r.pos - 1}`);
        out.catchLabels.push(r.u32());
      }
      out.cls = C.Free;
      return K.TryTable;
    }
    case 0x20:
    case 0x21:
    case 0x22:
      out.arg = r.u32();
      return K.Local;
    case 0x23:
      out.arg = r.u32();
      return K.GlobalGet;
    case 0x24:
      out.arg = r.u32();
      return K.GlobalSet;
    case 0x25:
    case 0x26:
      r.u32();
      return K.Plain;
    case 0x3f:
      out.arg = r.u32();
      return K.MemSize;
    case 0x40:
      out.arg = r.u32();
      out.cls = C.MemGrow;
      return K.MemGrow;
    case 0x41:
    case 0x42:
      r.skipLeb();
      return K.Plain;
    case 0x43:
      r.skip(4);
      return K.Plain;
    case 0x44:
      r.skip(8);
      return K.Plain;
    case 0xd0:
      heapType(r);
      return K.Plain;
    case 0xd1:
    case 0xd3:
    case 0xd4:
      return K.Plain;
    case 0xd2:
      out.arg = r.u32();
      return K.RefFunc;
    case 0xd5:
    case 0xd6:
      out.labels.length = 0;
      out.labels.push(r.u32());
      return K.BrIf;
    case 0xfb:
      return decodeGC(r, at);
    case 0xfc:
      return decodeFC(r, at);
    case 0xfd:
      decodeSIMD(r, at);
      return K.Plain;
    case 0xfe:
      decodeAtomic(r, at);
      return K.Plain;
  }
  return unsupported(`opcode 0x${op.toString(16).padStart(2, '0')}`, r, at);
}

function decodeFC(r: Reader, at: number): K {
  const sub = r.u32();
  if (sub <= 7) return K.Plain; // non-trapping float-to-int
  switch (sub) {
    case 8: // memory.init data mem
      r.u32();
      r.u32();
      out.cls = C.Bulk;
      return K.Bulk;
    case 9: // data.drop
      r.u32();
      return K.Plain;
    case 10: // memory.copy dst src
      r.u32();
      r.u32();
      out.cls = C.Bulk;
      return K.Bulk;
    case 11: // memory.fill
      r.u32();
      out.cls = C.Bulk;
      return K.Bulk;
    case 12: // table.init elem table
      r.u32();
      r.u32();
      out.cls = C.TableBulk;
      return K.Plain;
    case 13: // elem.drop
      r.u32();
      return K.Plain;
    case 14: // table.copy
      r.u32();
      r.u32();
      out.cls = C.TableBulk;
      return K.Plain;
    case 15: // table.grow
      out.arg = r.u32();
      out.cls = C.TableGrow;
      return K.TableGrow;
    case 16: // table.size
      r.u32();
      return K.Plain;
    case 17: // table.fill
      r.u32();
      out.cls = C.TableBulk;
      return K.Plain;
  }
  return unsupported(`0xFC ${sub}`, r, at);
}

function decodeSIMD(r: Reader, at: number): void {
  const sub = r.u32();
  if (sub <= 11 || sub === 92 || sub === 93) memarg(r);
  else if (sub === 12 || sub === 13) r.skip(16);
  else if (sub >= 21 && sub <= 34) r.skip(1);
  else if (sub >= 84 && sub <= 91) {
    memarg(r);
    r.skip(1);
  } else if (sub > 0x113) unsupported(`SIMD 0xFD ${sub}`, r, at);
}

function decodeAtomic(r: Reader, at: number): void {
  const sub = r.u32();
  if (sub === 0x03) {
    r.skip(1); // atomic.fence
    return;
  }
  if (sub <= 0x02 || (sub >= 0x10 && sub <= 0x4e)) {
    memarg(r);
    return;
  }
  unsupported(`atomic 0xFE ${sub}`, r, at);
}

function decodeGC(r: Reader, at: number): K {
  const sub = r.u32();
  switch (sub) {
    case 0: // struct.new t
    case 1: // struct.new_default t
    case 6: // array.new t
    case 7: // array.new_default t
    case 11: // array.get t
    case 12:
    case 13:
    case 14: // array.set t
    case 16: // array.fill t
      r.u32();
      return K.Plain;
    case 2:
    case 3:
    case 4:
    case 5: // struct.get/set t f
    case 8: // array.new_fixed t n
    case 9: // array.new_data t d
    case 10: // array.new_elem t e
    case 17: // array.copy t t
    case 18: // array.init_data t d
    case 19: // array.init_elem t e
      r.u32();
      r.u32();
      return K.Plain;
    case 15: // array.len
    case 26: // any.convert_extern
    case 27: // extern.convert_any
    case 28: // ref.i31
    case 29:
    case 30:
      return K.Plain;
    case 20:
    case 21:
    case 22:
    case 23: // ref.test / ref.cast (null) ht
      heapType(r);
      return K.Plain;
    case 24:
    case 25: // br_on_cast(_fail) flags l ht1 ht2
      r.byte();
      out.labels.length = 0;
      out.labels.push(r.u32());
      heapType(r);
      heapType(r);
      return K.BrIf;
  }
  return unsupported(`GC 0xFB ${sub}`, r, at);
}
