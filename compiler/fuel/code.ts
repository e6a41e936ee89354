/**
 * Rewrites one function body: fuel charging, checks, counter syncing, memory/table grow hooks and
 * index remapping. Works directly on the binary instruction stream (no IR), in three passes over the
 * function: decode into flat typed arrays, region analysis, emission.
 *
 * Model (see docs/fuel.md):
 * - Fuel lives in a local F (i64), loaded from the imported global G at entry and written back
 *   before every call / return / throw / trap / branch out of the function, reloaded after calls.
 * - Code is split into regions: function entry, loop header, if/else arm, merge point after
 *   `end` of a branch-targeted block / if / try / loop, catch handler. Each region's static cost
 *   is charged once at its start (before it runs), so a region that is left early was still paid in
 *   full: executed instructions <= charged fuel, always.
 * - Small non-loop regions may be folded into their parent region (they run at most once per run of
 *   the parent), trading precision (skipped arms are paid) for fewer charge points.
 * - "remaining < 0 => exhausted" is checked at function entry and at every loop header.
 */
import { DecodeError, Reader, Writer } from './bytes.js';
import { C, K, decode, out, valType } from './opcodes.js';

const FN_LABEL = 1; // branch instruction that targets the function's outermost label (= a return)
const TARGET = 2; // block/if/try/loop that is the target of some branch
const CATCH_TARGET = 4; // block/loop that is the target of a try_table catch clause
const HAS_CATCH = 8; // legacy try with at least one catch / catch_all

export interface BodyContext {
  /** new index of function `i` (original numbering) */
  funcMap: (i: number) => number;
  /** new index of global `i` (original numbering) */
  globalMap: (i: number) => number;
  fuelGlobal: number;
  oofFunc: number;
  memGrowHelper: (mem: number) => number;
  tableGrowHelper: (table: number) => number;
  /** cost per class (indexed by C) */
  classCost: Int32Array;
  bulkBytesLog2: number;
  foldThreshold: number;
  skipLeafEntryChecks: boolean;
  /**
   * Index of the fuel-passing ("internal ABI") version of function `i` (original numbering), or -1.
   * Internal versions take the remaining fuel as an extra trailing i64 parameter and return it as an
   * extra trailing i64 result, so direct calls need no global traffic.
   */
  internalFunc: (i: number) => number;
}

// ---- growable per-function scratch arrays (reused across functions) ----
let cap = 0;
let iStart = new Int32Array(0);
let iEnd = new Int32Array(0);
let iKind = new Uint8Array(0);
let iArg = new Int32Array(0);
let iCost = new Int32Array(0);
let iFlag = new Uint8Array(0);
let iCharge = new Int32Array(0); // region to charge after instruction i (-1: none)

function grow(n: number): void {
  if (n <= cap) return;
  let c = Math.max(1024, cap * 2);
  while (c < n) c *= 2;
  const g32 = (a: Int32Array) => {
    const b = new Int32Array(c);
    b.set(a);
    return b;
  };
  const g8 = (a: Uint8Array) => {
    const b = new Uint8Array(c);
    b.set(a);
    return b;
  };
  iStart = g32(iStart);
  iEnd = g32(iEnd);
  iKind = g8(iKind);
  iArg = g32(iArg);
  iCost = g32(iCost);
  iFlag = g8(iFlag);
  iCharge = g32(iCharge);
  cap = c;
}

let ctrl = new Int32Array(256);

// regions
let rCap = 0;
let rParent = new Int32Array(0);
let rCost = new Float64Array(0);
let rBits = new Uint8Array(0); // 1 foldable, 2 dead, 4 loop, 8 emit, 16 reload-before-charge
const R_FOLD = 1;
const R_DEAD = 2;
const R_LOOP = 4;
const R_EMIT = 8;
const R_RELOAD = 16;
let nRegions = 0;

function newRegion(parent: number, bits: number): number {
  if (nRegions >= rCap) {
    const c = Math.max(256, rCap * 2);
    const p = new Int32Array(c);
    p.set(rParent);
    const co = new Float64Array(c);
    co.set(rCost);
    const b = new Uint8Array(c);
    b.set(rBits);
    rParent = p;
    rCost = co;
    rBits = b;
    rCap = c;
  }
  rParent[nRegions] = parent;
  rCost[nRegions] = 0;
  rBits[nRegions] = bits;
  return nRegions++;
}

// analysis control stack
let aOpen = new Int32Array(256);
let aRegion = new Int32Array(256);
let aDead = new Uint8Array(256);

function pushA(depth: number, open: number, region: number, dead: boolean): void {
  if (depth >= aOpen.length) {
    const n = aOpen.length * 2;
    const o = new Int32Array(n);
    o.set(aOpen);
    const r = new Int32Array(n);
    r.set(aRegion);
    const d = new Uint8Array(n);
    d.set(aDead);
    aOpen = o;
    aRegion = r;
    aDead = d;
  }
  aOpen[depth] = open;
  aRegion[depth] = region;
  aDead[depth] = dead ? 1 : 0;
}

/** Result of analysing one body; valid until the next call of analyzeBody (shared scratch arrays). */
export interface BodyInfo {
  buf: Uint8Array;
  start: number;
  nParams: number;
  nLocals: number; // params + declared locals
  localsEnd: number;
  nGroups: number;
  n: number;
  hasLoop: boolean;
  hasCall: boolean;
  hasBulk: boolean;
  hasCatch: boolean;
  hasFnCatch: boolean;
  emittedNonEntry: number;
  entryCost: number;
}

/** Decode + analyse the body in buf[start, end) (locals + expression, without the size prefix). */
export function analyzeBody(buf: Uint8Array, start: number, end: number, nParams: number, ctx: BodyContext): BodyInfo {
  const r = new Reader(buf, start, end);
  // ---- locals ----
  const nGroups = r.u32();
  let nLocals = nParams;
  for (let g = 0; g < nGroups; g++) {
    nLocals += r.u32();
    valType(r);
  }
  if (nLocals > 50000) throw new DecodeError(`function has ${nLocals} locals (engine limit 50000)`);
  const localsEnd = r.pos;

  // ---- pass 1: decode ----
  let n = 0;
  let depth = 0; // ctrl[0] = function frame (-1)
  ctrl[depth++] = -1;
  let hasLoop = false;
  let hasCall = false;
  let hasBulk = false;
  let hasCatch = false;
  let hasFnCatch = false;
  let finished = false;
  const classCost = ctx.classCost;
  while (r.pos < end) {
    if (finished) throw new DecodeError(`instructions after the function's final end (offset ${r.pos})`);
    if (n >= cap) grow(n + 1);
    const s = r.pos;
    const k = decode(r);
    iStart[n] = s;
    iEnd[n] = r.pos;
    iKind[n] = k;
    iCost[n] = classCost[out.cls]!;
    iFlag[n] = 0;
    iArg[n] = 0;
    switch (k) {
      case K.Block:
      case K.If:
      case K.Try:
      case K.Loop:
      case K.TryTable:
        if (k === K.Loop) hasLoop = true;
        if (k === K.TryTable) {
          for (const l of out.catchLabels) {
            if (l >= depth) throw new DecodeError(`try_table catch label ${l} out of range (offset ${s})`);
            const t = ctrl[depth - 1 - l]!;
            hasCatch = true;
            if (t >= 0) iFlag[t]! |= CATCH_TARGET | TARGET;
            else hasFnCatch = true;
          }
        }
        if (depth >= ctrl.length) {
          const c2 = new Int32Array(ctrl.length * 2);
          c2.set(ctrl);
          ctrl = c2;
        }
        ctrl[depth++] = n;
        break;
      case K.Else:
        if (depth < 2 || iKind[ctrl[depth - 1]!] !== K.If) throw new DecodeError(`else without if (offset ${s})`);
        iArg[n] = ctrl[depth - 1]!;
        break;
      case K.Catch: {
        const t = depth >= 2 ? ctrl[depth - 1]! : -1;
        if (t < 0 || iKind[t] !== K.Try) throw new DecodeError(`catch without try (offset ${s})`);
        iArg[n] = t;
        iFlag[t]! |= HAS_CATCH;
        hasCatch = true;
        break;
      }
      case K.End:
      case K.Delegate: {
        const t = ctrl[--depth]!;
        if (t < 0) {
          if (k === K.Delegate) throw new DecodeError(`delegate outside try (offset ${s})`);
          finished = true;
        }
        iArg[n] = t;
        break;
      }
      case K.Br:
      case K.BrIf:
      case K.BrTable:
        for (const l of out.labels) {
          if (l >= depth) throw new DecodeError(`branch label ${l} out of range (offset ${s})`);
          const t = ctrl[depth - 1 - l]!;
          if (t < 0) iFlag[n]! |= FN_LABEL;
          else iFlag[t]! |= TARGET;
        }
        break;
      case K.Call:
      case K.ReturnCall:
        hasCall = true;
        iArg[n] = out.arg;
        break;
      case K.CallIndirect:
      case K.ReturnCallIndirect:
        hasCall = true;
        break;
      case K.Bulk:
        hasBulk = true;
        break;
      case K.RefFunc:
      case K.Local:
      case K.GlobalGet:
      case K.GlobalSet:
      case K.MemGrow:
      case K.TableGrow:
        iArg[n] = out.arg;
        break;
    }
    n++;
  }
  if (!finished) throw new DecodeError('function body does not end with `end`');

  // ---- pass 2: regions ----
  nRegions = 0;
  const entry = newRegion(-1, 0);
  let cur = entry;
  let dead = false;
  let ad = 0; // analysis depth (function frame not on the stack)
  for (let i = 0; i < n; i++) {
    const k = iKind[i]!;
    iCharge[i] = -1;
    if (!dead) rCost[cur]! += iCost[i]!;
    switch (k) {
      case K.Block:
      case K.Try:
      case K.TryTable:
        pushA(ad++, i, cur, dead);
        break;
      case K.Loop: {
        pushA(ad++, i, cur, dead);
        let bits = R_LOOP | (dead ? R_DEAD : 0);
        if (iFlag[i]! & CATCH_TARGET) bits |= R_RELOAD;
        cur = newRegion(cur, bits);
        iCharge[i] = cur;
        break;
      }
      case K.If:
        pushA(ad++, i, cur, dead);
        cur = newRegion(cur, R_FOLD | (dead ? R_DEAD : 0));
        iCharge[i] = cur;
        break;
      case K.Else:
      case K.Catch: {
        const d = aDead[ad - 1]! === 1;
        dead = d;
        cur = newRegion(aRegion[ad - 1]!, R_FOLD | (d ? R_DEAD : 0) | (k === K.Catch ? R_RELOAD : 0));
        iCharge[i] = cur;
        break;
      }
      case K.End:
      case K.Delegate: {
        if (ad === 0) break; // final end
        ad--;
        const open = aOpen[ad]!;
        const ok = iKind[open]!;
        const f = iFlag[open]!;
        const deadAtOpen = aDead[ad]! === 1;
        let needNew: boolean;
        let newDead: boolean;
        if (ok === K.Loop) {
          needNew = true;
          newDead = dead;
        } else if (ok === K.If) {
          needNew = true;
          newDead = deadAtOpen;
        } else if (ok === K.Try && k === K.End && f & HAS_CATCH) {
          needNew = true;
          newDead = deadAtOpen;
        } else if (f & TARGET) {
          needNew = true;
          newDead = deadAtOpen;
        } else {
          needNew = false;
          newDead = dead;
        }
        dead = newDead;
        if (needNew) {
          let bits = R_FOLD | (newDead ? R_DEAD : 0);
          if (f & CATCH_TARGET && ok !== K.Loop) bits |= R_RELOAD;
          cur = newRegion(aRegion[ad]!, bits);
          iCharge[i] = cur;
        }
        break;
      }
      case K.Br:
      case K.BrTable:
      case K.Return:
      case K.Unreachable:
      case K.Throw:
      case K.ReturnCall:
      case K.ReturnCallIndirect:
        dead = true;
        break;
    }
  }

  // fold small conditional regions into their parents (children always have larger ids)
  const T = ctx.foldThreshold;
  let emittedNonEntry = 0;
  for (let g = nRegions - 1; g >= 1; g--) {
    const b = rBits[g]!;
    if (b & R_DEAD) continue;
    if (b & R_FOLD && !(b & R_RELOAD) && rCost[g]! <= T) {
      rCost[rParent[g]!]! += rCost[g]!;
      continue;
    }
    if (b & (R_LOOP | R_RELOAD) || rCost[g]! > 0) {
      rBits[g] = b | R_EMIT;
      emittedNonEntry++;
    }
  }

  return {
    buf,
    start,
    nParams,
    nLocals,
    localsEnd,
    nGroups,
    n,
    hasLoop,
    hasCall,
    hasBulk,
    hasCatch,
    hasFnCatch,
    emittedNonEntry,
    entryCost: rCost[entry]!,
  };
}

/**
 * Emit the analysed body (without size prefix) to `w`.
 * - 'global' ABI: the function's original signature; fuel is read from / written to the global.
 * - 'internal' ABI: (params..., fuel i64) -> (results..., fuel i64); `wrapBlockType` is the block
 *   type encoding of the function's results (the body is wrapped in a block so that branches to
 *   the function label can be followed by pushing the fuel result).
 */
export function emitBody(info: BodyInfo, ctx: BodyContext, w: Writer, abi: 'global' | 'internal', wrapBlockType?: Uint8Array): void {
  const { buf, start, localsEnd, nGroups, n, hasLoop, hasCall, hasBulk, hasCatch, emittedNonEntry } = info;
  const leaf = !hasLoop && !hasCall;
  const checkEntry = !(leaf && ctx.skipLeafEntryChecks);
  const G = ctx.fuelGlobal;

  if (abi === 'internal') {
    const F = info.nParams; // the extra parameter
    const S = info.nLocals + 1;
    w.u32(nGroups + (hasBulk ? 1 : 0));
    w.bytes(buf, start + lebLen(buf, start), localsEnd);
    if (hasBulk) {
      w.u32(1);
      w.byte(0x7f);
    }
    w.byte(0x20);
    w.u32(F);
    emitCharge(w, F, info.entryCost, checkEntry, ctx.oofFunc, true);
    w.byte(0x02); // block <results>
    w.bytes(wrapBlockType!);
    emitInstrs(buf, n, ctx, w, F, S, info.nParams, info.hasFnCatch);
    return;
  }

  // Simple leaf: no loops, no calls, no bulk ops, no handlers, single charge => touch the global once.
  if (!checkEntry && !hasBulk && !hasCatch && emittedNonEntry === 0) {
    w.bytes(buf, start, localsEnd);
    const c = info.entryCost;
    if (c > 0) {
      w.byte(0x23);
      w.u32(G);
      w.byte(0x42);
      w.sleb(c);
      w.byte(0x7d); // i64.sub
      w.byte(0x24);
      w.u32(G);
    }
    emitInstrs(buf, n, ctx, w, -1, -1, -1, false);
    return;
  }

  const F = info.nLocals; // fuel counter (i64)
  const S = info.nLocals + 1; // scratch (i32) for dynamic bulk-memory charges
  // locals: original groups + (1 x i64) [+ (1 x i32)]
  w.u32(nGroups + (hasBulk ? 2 : 1));
  w.bytes(buf, start + lebLen(buf, start), localsEnd);
  w.u32(1);
  w.byte(0x7e);
  if (hasBulk) {
    w.u32(1);
    w.byte(0x7f);
  }
  // entry
  w.byte(0x23);
  w.u32(G);
  emitCharge(w, F, info.entryCost, checkEntry, ctx.oofFunc, true);
  emitInstrs(buf, n, ctx, w, F, S, -1, false);
}

function lebLen(buf: Uint8Array, pos: number): number {
  let i = 0;
  while (buf[pos + i]! & 0x80) i++;
  return i + 1;
}

/** Charge `c` from F (value already on the stack when `onStack`), optionally check and trap. */
function emitCharge(w: Writer, F: number, c: number, check: boolean, oof: number, onStack: boolean): void {
  if (!onStack) {
    w.byte(0x20);
    w.u32(F);
  }
  if (c > 0) {
    w.byte(0x42);
    w.sleb(c);
    w.byte(0x7d); // i64.sub
  }
  if (!check) {
    w.byte(0x21);
    w.u32(F);
    return;
  }
  w.byte(0x22); // local.tee F
  w.u32(F);
  w.byte(0x42);
  w.byte(0x00);
  w.byte(0x53); // i64.lt_s
  w.byte(0x04); // if
  w.byte(0x40);
  w.byte(0x20);
  w.u32(F);
  w.byte(0x10);
  w.u32(oof);
  w.byte(0x00); // unreachable
  w.byte(0x0b);
}

function syncOut(w: Writer, F: number, G: number): void {
  w.byte(0x20);
  w.u32(F);
  w.byte(0x24);
  w.u32(G);
}

function syncIn(w: Writer, F: number, G: number): void {
  w.byte(0x23);
  w.u32(G);
  w.byte(0x21);
  w.u32(F);
}

/** F = min(F, G): correct on both the normal path (G stale) and the exceptional path (F stale). */
function reloadMin(w: Writer, F: number, G: number): void {
  w.byte(0x20);
  w.u32(F);
  w.byte(0x23);
  w.u32(G);
  w.byte(0x20);
  w.u32(F);
  w.byte(0x23);
  w.u32(G);
  w.byte(0x53); // i64.lt_s
  w.byte(0x1b); // select
  w.byte(0x21);
  w.u32(F);
}

/**
 * Emit the instruction stream. F < 0: simple-leaf mode (no counter local, no syncing).
 * shiftFrom >= 0: internal ABI — locals >= shiftFrom move up by one (the fuel parameter F sits at
 * shiftFrom), returns push F, the body is wrapped in one block (opened by the caller).
 */
function emitInstrs(buf: Uint8Array, n: number, ctx: BodyContext, w: Writer, F: number, S: number, shiftFrom: number, fnCatch: boolean): void {
  const G = ctx.fuelGlobal;
  const full = F >= 0;
  const internal = shiftFrom >= 0;
  for (let i = 0; i < n; i++) {
    const k = iKind[i]!;
    const s = iStart[i]!;
    const e = iEnd[i]!;
    switch (k) {
      case K.Local:
        if (internal) {
          w.byte(buf[s]!);
          const x = iArg[i]!;
          w.u32(x >= shiftFrom ? x + 1 : x);
        } else w.bytes(buf, s, e);
        continue;
      case K.Call: {
        const t = iArg[i]!;
        const it = full ? ctx.internalFunc(t) : -1;
        if (it >= 0) {
          w.byte(0x20);
          w.u32(F);
          w.byte(0x10);
          w.u32(it);
          w.byte(0x21);
          w.u32(F);
          continue;
        }
        if (full) syncOut(w, F, G);
        w.byte(0x10);
        w.u32(ctx.funcMap(t));
        if (full) syncIn(w, F, G);
        continue;
      }
      case K.CallIndirect:
        if (full) syncOut(w, F, G);
        w.bytes(buf, s, e);
        if (full) syncIn(w, F, G);
        continue;
      case K.ReturnCall:
        if (internal) {
          // eligibility guarantees the target has an internal version
          w.byte(0x20);
          w.u32(F);
          w.byte(0x12);
          w.u32(ctx.internalFunc(iArg[i]!));
          continue;
        }
        if (full) syncOut(w, F, G);
        w.byte(0x12);
        w.u32(ctx.funcMap(iArg[i]!));
        continue;
      case K.RefFunc:
        w.byte(0xd2);
        w.u32(ctx.funcMap(iArg[i]!));
        continue;
      case K.GlobalGet:
      case K.GlobalSet:
        w.byte(buf[s]!);
        w.u32(ctx.globalMap(iArg[i]!));
        continue;
      case K.MemGrow:
        w.byte(0x10);
        w.u32(ctx.memGrowHelper(iArg[i]!));
        continue;
      case K.TableGrow:
        w.byte(0x10);
        w.u32(ctx.tableGrowHelper(iArg[i]!));
        continue;
      case K.Bulk:
        if (full) {
          // dynamic charge: F -= len >> log2 (len is the i32 on top of the stack)
          w.byte(0x21);
          w.u32(S);
          w.byte(0x20);
          w.u32(F);
          w.byte(0x20);
          w.u32(S);
          w.byte(0xad); // i64.extend_i32_u
          w.byte(0x42);
          w.sleb(ctx.bulkBytesLog2);
          w.byte(0x88); // i64.shr_u
          w.byte(0x7d);
          w.byte(0x21);
          w.u32(F);
          w.byte(0x20);
          w.u32(S);
        }
        w.bytes(buf, s, e);
        continue;
      case K.Return:
        if (internal) {
          w.byte(0x20);
          w.u32(F);
        } else if (full) syncOut(w, F, G);
        w.bytes(buf, s, e);
        continue;
      case K.ReturnCallIndirect:
      case K.Throw:
      case K.Unreachable:
        if (full) syncOut(w, F, G);
        w.bytes(buf, s, e);
        continue;
      case K.Br:
      case K.BrIf:
      case K.BrTable:
        if (full && !internal && iFlag[i]! & FN_LABEL) syncOut(w, F, G);
        w.bytes(buf, s, e);
        break;
      case K.End:
        if (iArg[i]! < 0) {
          if (internal) {
            w.byte(0x0b); // closes the wrapper block
            if (fnCatch) reloadMin(w, F, G); // a try_table caught into the function label
            w.byte(0x20);
            w.u32(F);
            w.byte(0x0b);
            continue;
          }
          if (full) syncOut(w, F, G);
          w.bytes(buf, s, e);
          continue;
        }
        w.bytes(buf, s, e);
        break;
      default:
        w.bytes(buf, s, e);
    }
    const g = iCharge[i]!;
    if (g >= 0 && full) {
      const b = rBits[g]!;
      if (b & R_EMIT) {
        if (b & R_RELOAD) reloadMin(w, F, G);
        if (b & R_LOOP || rCost[g]! > 0) emitCharge(w, F, rCost[g]!, (b & R_LOOP) !== 0, ctx.oofFunc, false);
      }
    }
  }
}
