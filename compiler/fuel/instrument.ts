/**
 * Fuel + memory-limit instrumentation pass for core WebAssembly modules (Wisp issue 3).
 *
 * Host contract (the runtime relies on exactly this; see docs/fuel.md):
 *   (import "wisp:fuel" "remaining" (global (mut i64)))   remaining budget, shared by all core modules
 *   (import "wisp:fuel" "exhausted" (func))                called when remaining < 0 at a check; must throw
 *   (import "wisp:limits" "grow" (func (param i32 i32 i32) (result i32)))       (mem, cur pages, delta)
 *   (import "wisp:limits" "tableGrow" (func (param i32 i32 i32) (result i32)))  (table, cur size, delta)
 * The `wisp:limits` imports are only added when the module contains memory.grow / table.grow.
 *
 * The pass rewrites the binary directly (single decode of each function, no IR round trip), then
 * validates the result with binaryen (all features enabled).
 */
import type Binaryen from 'binaryen';
import { importExternal } from '../../runtime/external.js';
import { DecodeError, Reader, Writer } from './bytes.js';
import { analyzeBody, emitBody, type BodyContext } from './code.js';
import { DEFAULT_COSTS, type CostTable } from './costs.js';
import { C, K, decode, out as decodeOut, valType } from './opcodes.js';

export type { CostTable } from './costs.js';
export { DEFAULT_COSTS } from './costs.js';

export interface InstrumentOptions {
  /**
   * Conditional regions (if/else arms, merge points after a branch-targeted block, catch
   * handlers, code after a loop) whose static cost is <= foldThreshold are charged together with
   * their enclosing region instead of separately: fewer charge points, but a skipped arm is still
   * paid. 0 = pure per-straight-line-block charging (wasmtime model). Default: 8 (bench:
   * fib(30) +17 % -> +0.2 %; bench/results/fuel-variants.json).
   */
  foldThreshold?: number;
  /**
   * Skip the `remaining < 0` check at entry of functions that contain no loop and no call
   * (their cost is still charged; the caller's next check catches exhaustion; instructions run
   * between two checks stay bounded by the size of the caller plus its leaf callees). Default: true.
   */
  skipLeafEntryChecks?: boolean;
  /**
   * Fuel-passing direct calls: every function that is the target of a direct `call` gets an
   * internal version taking the remaining fuel as an extra i64 parameter and returning it as an
   * extra i64 result, so direct calls cost no global traffic. The original index stays the public
   * entry (exports, tables, ref.func, start): a thunk that reads/writes the global around a call of
   * the internal version, or, for bodies smaller than `duplicateBelowBytes`, a second full copy
   * instrumented against the global. Default: true.
   */
  fuelPassingCalls?: boolean;
  /** See fuelPassingCalls. Default: 256 bytes. */
  duplicateBelowBytes?: number;
  /** Validate the output with binaryen (all features). Default: true. */
  validate?: boolean;
  /** Override entries of the cost table (see DEFAULT_COSTS). */
  costs?: Partial<CostTable>;
}

export interface InstrumentResult {
  /** ArrayBuffer-backed, so it can go straight to `new WebAssembly.Module(...)`. */
  wasm: Uint8Array<ArrayBuffer>;
  stats: { functions: number; ms: number };
}

export class FuelInstrumentError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FuelInstrumentError';
  }
}

interface Section {
  id: number;
  start: number; // payload start
  end: number; // payload end
  name?: string; // custom sections
}

const SECTION_RANK: Record<number, number> = { 1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 13: 6, 6: 7, 7: 8, 8: 9, 9: 10, 12: 11, 10: 12, 11: 13 };
/** Custom sections that hold no function/global indices or code offsets: kept verbatim. */
const KEEP_CUSTOM = new Set(['producers', 'target_features']);

const TYPE_FUNC = 0x60;

let binaryen: typeof Binaryen | undefined;

/**
 * Loads binaryen, which validates the pass's output. Call (and await) once before
 * instrumentFuel: binaryen is an ES module with a top-level await (its wasm build), so it cannot
 * be loaded synchronously, and loading it with this module would tie the compiler's import to
 * it (the host's startup snapshot cannot hold it; runtime/external.ts).
 */
export async function loadBinaryen(): Promise<void> {
  binaryen ??= (await importExternal<{ default: typeof Binaryen }>('binaryen')).default;
}

export function instrumentFuel(core: Uint8Array, opts: InstrumentOptions = {}): InstrumentResult {
  const t0 = performance.now();
  let result: { wasm: Uint8Array<ArrayBuffer>; functions: number };
  try {
    result = instrumentRaw(core, opts);
  } catch (e) {
    if (e instanceof FuelInstrumentError) throw e;
    if (e instanceof DecodeError) throw new FuelInstrumentError(`cannot instrument module: ${e.message}`, { cause: e });
    throw e;
  }
  if (opts.validate !== false) validateWithBinaryen(result.wasm, core);
  return { wasm: result.wasm, stats: { functions: result.functions, ms: performance.now() - t0 } };
}

function fail(msg: string): never {
  throw new FuelInstrumentError(msg);
}

function limits(r: Reader, what: string): { is64: boolean } {
  const flags = r.byte();
  if (flags & ~0x07) fail(`${what}: unsupported limits flags 0x${flags.toString(16)} (custom page sizes?)`);
  r.skipLeb();
  if (flags & 1) r.skipLeb();
  return { is64: (flags & 4) !== 0 };
}

function instrumentRaw(buf: Uint8Array, opts: InstrumentOptions): { wasm: Uint8Array<ArrayBuffer>; functions: number } {
  if (buf.length < 8 || buf[0] !== 0 || buf[1] !== 0x61 || buf[2] !== 0x73 || buf[3] !== 0x6d)
    fail('not a WebAssembly binary (bad magic)');
  if (buf[4] !== 1 || buf[5] !== 0 || buf[6] !== 0 || buf[7] !== 0) {
    if (buf[6] !== 0 || buf[7] !== 0) fail('this is a WebAssembly component, not a core module: instrument each core module');
    fail(`unsupported WebAssembly binary version ${buf[4]}`);
  }
  const costs: CostTable = { ...DEFAULT_COSTS, ...opts.costs };
  for (const [k, v] of Object.entries(costs)) {
    if (!Number.isInteger(v) || v < 0 || v > 1e9) fail(`cost ${k} must be a non-negative integer, got ${v}`);
  }
  if (costs.bulkBytesLog2 > 63) fail('bulkBytesLog2 must be <= 63');

  // ---- split into sections ----
  const sections: Section[] = [];
  {
    const r = new Reader(buf, 8);
    let lastRank = 0;
    while (!r.eof()) {
      const id = r.byte();
      const size = r.u32();
      const start = r.pos;
      r.skip(size);
      const s: Section = { id, start, end: r.pos };
      if (id === 0) {
        const nr = new Reader(buf, start, r.pos);
        s.name = nr.name();
      } else {
        const rank = SECTION_RANK[id];
        if (rank === undefined) fail(`unknown section id ${id}`);
        if (rank <= lastRank) fail(`section ${id} out of order or duplicated`);
        lastRank = rank;
      }
      sections.push(s);
    }
  }
  const sec = (id: number) => sections.find((s) => s.id === id);

  // ---- types ----
  const typeParams: number[] = []; // param count for func types, -1 otherwise
  const typeSig: Array<{ params: Uint8Array; results: Uint8Array; nResults: number } | null> = [];
  const typeSec = sec(1);
  let typeEntriesStart = 0;
  let typeEntryCount = 0; // entries in the vector (a rec group is one entry holding several types)
  if (typeSec) {
    const r = new Reader(buf, typeSec.start, typeSec.end);
    const n = r.u32();
    typeEntryCount = n;
    typeEntriesStart = r.pos;
    const compType = () => {
      const form = r.byte();
      if (form === TYPE_FUNC) {
        const np = r.u32();
        const ps = r.pos;
        for (let i = 0; i < np; i++) valType(r);
        const pe = r.pos;
        const nr = r.u32();
        const rs = r.pos;
        for (let i = 0; i < nr; i++) valType(r);
        typeParams.push(np);
        typeSig.push({ params: buf.subarray(ps, pe), results: buf.subarray(rs, r.pos), nResults: nr });
      } else if (form === 0x5f || form === 0x5e) {
        const nf = form === 0x5f ? r.u32() : 1;
        for (let i = 0; i < nf; i++) {
          const b = r.peek();
          if (b === 0x78 || b === 0x77) r.pos++;
          else valType(r);
          r.byte(); // mutability
        }
        typeParams.push(-1);
        typeSig.push(null);
      } else fail(`unsupported type form 0x${form.toString(16)} in type section`);
    };
    const subType = () => {
      const b = r.peek();
      if (b === 0x50 || b === 0x4f) {
        r.pos++;
        const ns = r.u32();
        for (let i = 0; i < ns; i++) r.u32();
      }
      compType();
    };
    for (let i = 0; i < n; i++) {
      if (r.peek() === 0x4e) {
        r.pos++;
        const m = r.u32();
        for (let j = 0; j < m; j++) subType();
      } else subType();
    }
  }
  const nTypes = typeParams.length;
  const paramsOf = (t: number) => {
    const p = typeParams[t];
    if (p === undefined || p < 0) fail(`function uses type ${t}, which is not a function type`);
    return p;
  };

  // ---- imports ----
  let nImpFuncs = 0;
  let nImpGlobals = 0;
  const tableTypes: Uint8Array[] = []; // reftype encoding per table
  const table64: boolean[] = [];
  const memory64: boolean[] = [];
  const importSec = sec(2);
  let importCount = 0;
  let importEntriesStart = 0;
  if (importSec) {
    const r = new Reader(buf, importSec.start, importSec.end);
    importCount = r.u32();
    importEntriesStart = r.pos;
    // one extern type; `times` > 1 for compact-import groups that share a type
    const externType = (times: number) => {
      const kind = r.byte();
      switch (kind) {
        case 0:
          r.u32();
          nImpFuncs += times;
          break;
        case 1: {
          const s = r.pos;
          valType(r);
          const t = buf.slice(s, r.pos);
          const is64 = limits(r, 'imported table').is64;
          for (let k = 0; k < times; k++) {
            tableTypes.push(t);
            table64.push(is64);
          }
          break;
        }
        case 2: {
          const is64 = limits(r, 'imported memory').is64;
          for (let k = 0; k < times; k++) memory64.push(is64);
          break;
        }
        case 3:
          valType(r);
          r.byte();
          nImpGlobals += times;
          break;
        case 4:
          r.byte();
          r.u32();
          break;
        default:
          fail(`unsupported import kind ${kind}`);
      }
    };
    for (let i = 0; i < importCount; i++) {
      const mod = r.name();
      const field = r.name();
      if (mod === 'wisp:fuel' || mod === 'wisp:limits')
        fail(`module already imports from "${mod}": it is already instrumented (instrument each core module once)`);
      const b = r.peek();
      if (field === '' && b === 0x7f) {
        // compact imports: vec(name externtype)
        r.pos++;
        const m = r.u32();
        for (let j = 0; j < m; j++) {
          r.name();
          externType(1);
        }
      } else if (field === '' && b === 0x7e) {
        // compact imports: externtype vec(name)
        r.pos++;
        const save = r.pos;
        externType(0);
        const m = r.u32();
        for (let j = 0; j < m; j++) r.name();
        const end = r.pos;
        r.pos = save;
        externType(m);
        r.pos = end;
      } else externType(1);
    }
  }

  // ---- functions ----
  const funcTypes: number[] = [];
  const funcSec = sec(3);
  if (funcSec) {
    const r = new Reader(buf, funcSec.start, funcSec.end);
    const n = r.u32();
    for (let i = 0; i < n; i++) funcTypes.push(r.u32());
  }
  const nDefined = funcTypes.length;

  // ---- tables / memories (types needed by the grow helpers) ----
  const tableSec = sec(4);
  if (tableSec) {
    const r = new Reader(buf, tableSec.start, tableSec.end);
    const n = r.u32();
    for (let i = 0; i < n; i++) {
      let hasInit = false;
      if (r.peek() === 0x40) {
        r.pos++;
        if (r.byte() !== 0) fail('bad table entry');
        hasInit = true;
      }
      const s = r.pos;
      valType(r);
      tableTypes.push(buf.slice(s, r.pos));
      table64.push(limits(r, 'table').is64);
      if (hasInit) skipConstExpr(r);
    }
  }
  const memSec = sec(5);
  if (memSec) {
    const r = new Reader(buf, memSec.start, memSec.end);
    const n = r.u32();
    for (let i = 0; i < n; i++) memory64.push(limits(r, 'memory').is64);
  }
  if (memory64.some((x) => x)) fail('memory64 is not supported (64-bit linear memory)');

  // ---- code: locate bodies, pre-scan for memory.grow / table.grow ----
  const codeSec = sec(10);
  const bodies: Array<[number, number]> = [];
  const calledDirectly = new Uint8Array(nDefined);
  const eligible = new Uint8Array(nDefined).fill(1); // may get an internal (fuel-passing) version
  const returnCalls: Array<number[] | undefined> = [];
  const growMems = new Set<number>();
  const growTables = new Set<number>();
  if (codeSec) {
    const r = new Reader(buf, codeSec.start, codeSec.end);
    const n = r.u32();
    if (n !== nDefined) fail(`code section has ${n} bodies but the function section declares ${nDefined}`);
    for (let i = 0; i < n; i++) {
      const size = r.u32();
      const s = r.pos;
      r.skip(size);
      bodies.push([s, r.pos]);
      // pre-scan
      const br = new Reader(buf, s, r.pos);
      const ng = br.u32();
      for (let g = 0; g < ng; g++) {
        br.u32();
        valType(br);
      }
      while (br.pos < br.end) {
        const k = decode(br);
        if (k === K.MemGrow) growMems.add(outArg());
        else if (k === K.TableGrow) growTables.add(outArg());
        else if (k === K.Call) {
          const t = outArg() - nImpFuncs;
          if (t >= 0 && t < nDefined) calledDirectly[t] = 1;
        } else if (k === K.ReturnCall) {
          const t = outArg();
          if (t < nImpFuncs) eligible[i] = 0;
          else (returnCalls[i] ??= []).push(t - nImpFuncs);
        } else if (k === K.ReturnCallIndirect) eligible[i] = 0;
      }
    }
  } else if (nDefined !== 0) fail('function section without code section');
  for (const m of growMems) if (m >= memory64.length) fail(`memory.grow on undefined memory ${m}`);
  for (const t of growTables) {
    if (t >= tableTypes.length) fail(`table.grow on undefined table ${t}`);
    if (table64[t]) fail('table64 is not supported');
  }

  // ---- index plan ----
  const memList = [...growMems].sort((a, b) => a - b);
  const tabList = [...growTables].sort((a, b) => a - b);
  let nAddedImports = 1; // exhausted
  const exhaustedIdx = nImpFuncs;
  const hostGrowIdx = memList.length ? nImpFuncs + nAddedImports++ : -1;
  const hostTableGrowIdx = tabList.length ? nImpFuncs + nAddedImports++ : -1;
  const funcMap = (i: number) => (i < nImpFuncs ? i : i + nAddedImports);
  const globalMap = (i: number) => (i < nImpGlobals ? i : i + 1);
  const fuelGlobal = nImpGlobals;
  const helperBase = nImpFuncs + nAddedImports + nDefined;
  const oofFunc = helperBase;
  const memHelper = new Map<number, number>();
  memList.forEach((m, j) => memHelper.set(m, helperBase + 1 + j));
  const tabHelper = new Map<number, number>();
  tabList.forEach((t, j) => tabHelper.set(t, helperBase + 1 + memList.length + j));

  // fuel-passing internal versions
  const passing = opts.fuelPassingCalls ?? true;
  for (let i = 0; i < nDefined; i++) if (paramsOf(funcTypes[i]!) >= 999) eligible[i] = 0; // engine param limit
  for (let changed = true; changed; ) {
    changed = false;
    for (let i = 0; i < nDefined; i++) {
      if (!eligible[i]) continue;
      for (const t of returnCalls[i] ?? []) {
        if (!eligible[t]) {
          eligible[i] = 0;
          changed = true;
          break;
        }
      }
    }
  }
  // a return_call from an internal body needs the target's internal version too
  const internalIdx = new Int32Array(nDefined).fill(-1);
  const internalList: number[] = [];
  if (passing) {
    const want = new Uint8Array(nDefined);
    const stack: number[] = [];
    for (let i = 0; i < nDefined; i++) if (calledDirectly[i] && eligible[i]) stack.push(i);
    while (stack.length) {
      const i = stack.pop()!;
      if (want[i]) continue;
      want[i] = 1;
      for (const t of returnCalls[i] ?? []) if (!want[t]) stack.push(t);
    }
    let next = helperBase + 1 + memList.length + tabList.length;
    for (let i = 0; i < nDefined; i++) {
      if (!want[i]) continue;
      internalIdx[i] = next++;
      internalList.push(i);
    }
  }

  // new types
  const T_VOID = nTypes;
  const T_OOF = nTypes + 1;
  const T_HOSTGROW = nTypes + 2;
  const T_MGROW = nTypes + 3;
  const newTypes = new Writer(64);
  let nNewTypes = 4;
  newTypes.bytes(Uint8Array.of(TYPE_FUNC, 0, 0));
  newTypes.bytes(Uint8Array.of(TYPE_FUNC, 1, 0x7e, 0));
  newTypes.bytes(Uint8Array.of(TYPE_FUNC, 3, 0x7f, 0x7f, 0x7f, 1, 0x7f));
  newTypes.bytes(Uint8Array.of(TYPE_FUNC, 1, 0x7f, 1, 0x7f));
  const tabHelperType = new Map<number, number>();
  for (const t of tabList) {
    tabHelperType.set(t, nTypes + nNewTypes++);
    newTypes.bytes(Uint8Array.of(TYPE_FUNC, 2));
    newTypes.bytes(tableTypes[t]!);
    newTypes.bytes(Uint8Array.of(0x7f, 1, 0x7f));
  }
  // internal ABI types (params..., i64) -> (results..., i64), and [] -> results block types
  const internalType = new Map<number, number>();
  const wrapType = new Map<number, Uint8Array>();
  for (const i of internalList) {
    const t = funcTypes[i]!;
    if (internalType.has(t)) continue;
    const sig = typeSig[t]!;
    internalType.set(t, nTypes + nNewTypes++);
    newTypes.byte(TYPE_FUNC);
    newTypes.u32(typeParams[t]! + 1);
    newTypes.bytes(sig.params);
    newTypes.byte(0x7e);
    newTypes.u32(sig.nResults + 1);
    newTypes.bytes(sig.results);
    newTypes.byte(0x7e);
    if (sig.nResults === 0) wrapType.set(t, Uint8Array.of(0x40));
    else if (sig.nResults === 1) wrapType.set(t, sig.results);
    else {
      const bt = new Writer(8);
      bt.sleb(nTypes + nNewTypes++);
      wrapType.set(t, bt.result());
      newTypes.byte(TYPE_FUNC);
      newTypes.u32(0);
      newTypes.u32(sig.nResults);
      newTypes.bytes(sig.results);
    }
  }

  const classCost = new Int32Array(8);
  classCost[C.Free] = 0;
  classCost[C.Normal] = costs.normal;
  classCost[C.Call] = costs.call;
  classCost[C.MemGrow] = costs.memoryGrow;
  classCost[C.TableGrow] = costs.tableGrow;
  classCost[C.Bulk] = costs.bulkMemory;
  classCost[C.TableBulk] = costs.tableBulk;
  const ctx: BodyContext = {
    funcMap,
    globalMap,
    fuelGlobal,
    oofFunc,
    memGrowHelper: (m) => memHelper.get(m)!,
    tableGrowHelper: (t) => tabHelper.get(t)!,
    classCost,
    bulkBytesLog2: costs.bulkBytesLog2,
    foldThreshold: opts.foldThreshold ?? 8,
    skipLeafEntryChecks: opts.skipLeafEntryChecks ?? true,
    internalFunc: (f) => (f < nImpFuncs ? -1 : internalIdx[f - nImpFuncs]!),
  };
  const dupBelow = opts.duplicateBelowBytes ?? 256;

  // ---- section builders ----
  const buildType = (): Writer => {
    const w = new Writer(typeSec ? typeSec.end - typeSec.start + 64 : 64);
    w.u32(typeEntryCount + nNewTypes);
    if (typeSec) w.bytes(buf, typeEntriesStart, typeSec.end);
    w.bytes(newTypes.buf, 0, newTypes.len);
    return w;
  };
  const buildImport = (): Writer => {
    const w = new Writer(importSec ? importSec.end - importSec.start + 128 : 128);
    w.u32(importCount + nAddedImports + 1);
    if (importSec) w.bytes(buf, importEntriesStart, importSec.end);
    w.name('wisp:fuel');
    w.name('remaining');
    w.bytes(Uint8Array.of(0x03, 0x7e, 0x01));
    w.name('wisp:fuel');
    w.name('exhausted');
    w.byte(0x00);
    w.u32(T_VOID);
    if (hostGrowIdx >= 0) {
      w.name('wisp:limits');
      w.name('grow');
      w.byte(0x00);
      w.u32(T_HOSTGROW);
    }
    if (hostTableGrowIdx >= 0) {
      w.name('wisp:limits');
      w.name('tableGrow');
      w.byte(0x00);
      w.u32(T_HOSTGROW);
    }
    return w;
  };
  const buildFunction = (): Writer => {
    const w = new Writer(funcTypes.length * 2 + 16);
    w.u32(nDefined + 1 + memList.length + tabList.length + internalList.length);
    for (const t of funcTypes) w.u32(t);
    w.u32(T_OOF);
    for (let j = 0; j < memList.length; j++) w.u32(T_MGROW);
    for (const t of tabList) w.u32(tabHelperType.get(t)!);
    for (const i of internalList) w.u32(internalType.get(funcTypes[i]!)!);
    return w;
  };
  const buildCode = (): Writer => {
    const w = new Writer(codeSec ? Math.ceil((codeSec.end - codeSec.start) * 1.25) + 256 : 256);
    w.u32(nDefined + 1 + memList.length + tabList.length + internalList.length);
    const body = new Writer(4096);
    const internalW = new Writer(internalList.length ? 4096 : 16);
    for (let i = 0; i < nDefined; i++) {
      const [s, e] = bodies[i]!;
      body.len = 0;
      try {
        const np = paramsOf(funcTypes[i]!);
        const info = analyzeBody(buf, s, e, np, ctx);
        const ii = internalIdx[i]!;
        if (ii < 0 || e - s < dupBelow) emitBody(info, ctx, body, 'global');
        else {
          // thunk: (params) -> global.get G; call internal; global.set G
          body.u32(0);
          for (let p = 0; p < np; p++) {
            body.byte(0x20);
            body.u32(p);
          }
          body.byte(0x23);
          body.u32(fuelGlobal);
          body.byte(0x10);
          body.u32(ii);
          body.byte(0x24);
          body.u32(fuelGlobal);
          body.byte(0x0b);
        }
        if (ii >= 0) {
          const ib = new Writer(e - s + 64);
          emitBody(info, ctx, ib, 'internal', wrapType.get(funcTypes[i]!)!);
          internalW.sized(ib);
        }
      } catch (err) {
        if (err instanceof DecodeError)
          throw new FuelInstrumentError(`function ${nImpFuncs + i}: ${err.message}`, { cause: err });
        throw err;
      }
      w.sized(body);
    }
    // oof helper: (param i64) G = p; call exhausted; unreachable
    body.len = 0;
    body.u32(0);
    body.byte(0x20);
    body.u32(0);
    body.byte(0x24);
    body.u32(fuelGlobal);
    body.byte(0x10);
    body.u32(exhaustedIdx);
    body.byte(0x00);
    body.byte(0x0b);
    w.sized(body);
    for (const m of memList) {
      body.len = 0;
      body.u32(0);
      body.byte(0x41);
      body.sleb(m); // i32.const mem
      body.byte(0x3f);
      body.u32(m); // memory.size
      body.byte(0x20);
      body.u32(0); // delta
      body.byte(0x10);
      body.u32(hostGrowIdx);
      body.bytes(Uint8Array.of(0x04, 0x7f)); // if (result i32)
      body.byte(0x20);
      body.u32(0);
      body.byte(0x40);
      body.u32(m); // memory.grow
      body.byte(0x05); // else
      body.bytes(Uint8Array.of(0x41, 0x7f)); // i32.const -1
      body.bytes(Uint8Array.of(0x0b, 0x0b));
      w.sized(body);
    }
    for (const t of tabList) {
      body.len = 0;
      body.u32(0);
      body.byte(0x41);
      body.sleb(t);
      body.bytes(Uint8Array.of(0xfc, 16));
      body.u32(t); // table.size
      body.byte(0x20);
      body.u32(1);
      body.byte(0x10);
      body.u32(hostTableGrowIdx);
      body.bytes(Uint8Array.of(0x04, 0x7f));
      body.bytes(Uint8Array.of(0x20, 0, 0x20, 1, 0xfc, 15));
      body.u32(t); // table.grow
      body.byte(0x05);
      body.bytes(Uint8Array.of(0x41, 0x7f, 0x0b, 0x0b));
      w.sized(body);
    }
    w.bytes(internalW.buf, 0, internalW.len);
    return w;
  };
  const constExpr = (r: Reader, w: Writer) => rewriteConstExpr(buf, r, w, funcMap, globalMap);
  const buildTable = (s: Section): Writer => {
    const r = new Reader(buf, s.start, s.end);
    const w = new Writer(s.end - s.start + 16);
    const n = r.u32();
    w.u32(n);
    for (let i = 0; i < n; i++) {
      const st = r.pos;
      if (r.peek() === 0x40) {
        r.pos += 2;
        valType(r);
        limits(r, 'table');
        w.bytes(buf, st, r.pos);
        constExpr(r, w);
      } else {
        valType(r);
        limits(r, 'table');
        w.bytes(buf, st, r.pos);
      }
    }
    return w;
  };
  const buildGlobal = (s: Section): Writer => {
    const r = new Reader(buf, s.start, s.end);
    const w = new Writer(s.end - s.start + 16);
    const n = r.u32();
    w.u32(n);
    for (let i = 0; i < n; i++) {
      const st = r.pos;
      valType(r);
      r.byte();
      w.bytes(buf, st, r.pos);
      constExpr(r, w);
    }
    return w;
  };
  const buildExport = (s: Section): Writer => {
    const r = new Reader(buf, s.start, s.end);
    const w = new Writer(s.end - s.start + 16);
    const n = r.u32();
    w.u32(n);
    for (let i = 0; i < n; i++) {
      const ns = r.pos;
      const len = r.u32();
      r.skip(len);
      w.bytes(buf, ns, r.pos);
      const kind = r.byte();
      const idx = r.u32();
      w.byte(kind);
      w.u32(kind === 0 ? funcMap(idx) : kind === 3 ? globalMap(idx) : idx);
    }
    return w;
  };
  const buildStart = (s: Section): Writer => {
    const r = new Reader(buf, s.start, s.end);
    const w = new Writer(8);
    w.u32(funcMap(r.u32()));
    return w;
  };
  const buildElem = (s: Section): Writer => {
    const r = new Reader(buf, s.start, s.end);
    const w = new Writer(s.end - s.start + 64);
    const n = r.u32();
    w.u32(n);
    for (let i = 0; i < n; i++) {
      const flags = r.u32();
      w.u32(flags);
      if (flags > 7) fail(`bad element segment flags ${flags}`);
      if (flags === 2 || flags === 6) w.u32(r.u32()); // table index
      if (flags === 0 || flags === 2 || flags === 4 || flags === 6) constExpr(r, w); // offset
      if (flags & 4) {
        if (flags !== 4) {
          const st = r.pos;
          valType(r);
          w.bytes(buf, st, r.pos);
        }
        const m = r.u32();
        w.u32(m);
        for (let j = 0; j < m; j++) constExpr(r, w);
      } else {
        if (flags !== 0) {
          const k = r.byte();
          if (k !== 0) fail(`bad element kind ${k}`);
          w.byte(k);
        }
        const m = r.u32();
        w.u32(m);
        for (let j = 0; j < m; j++) w.u32(funcMap(r.u32()));
      }
    }
    return w;
  };
  const buildData = (s: Section): Writer => {
    const r = new Reader(buf, s.start, s.end);
    const w = new Writer(s.end - s.start + 64);
    const n = r.u32();
    w.u32(n);
    for (let i = 0; i < n; i++) {
      const flags = r.u32();
      w.u32(flags);
      if (flags === 2) w.u32(r.u32());
      else if (flags !== 0 && flags !== 1) fail(`bad data segment flags ${flags}`);
      if (flags !== 1) constExpr(r, w);
      const st = r.pos;
      const len = r.u32();
      r.skip(len);
      w.bytes(buf, st, r.pos);
    }
    return w;
  };
  const buildName = (s: Section): Writer | null => {
    try {
      const r = new Reader(buf, s.start, s.end);
      r.name();
      const w = new Writer(s.end - s.start + 16);
      w.name('name');
      while (!r.eof()) {
        const id = r.byte();
        const size = r.u32();
        const end = r.pos + size;
        const sr = new Reader(buf, r.pos, end);
        r.pos = end;
        const sub = new Writer(size + 16);
        if (id === 1 || id === 7) {
          const map = id === 1 ? funcMap : globalMap;
          const n = sr.u32();
          sub.u32(n);
          for (let i = 0; i < n; i++) {
            sub.u32(map(sr.u32()));
            const st = sr.pos;
            sr.skip(sr.u32());
            sub.bytes(buf, st, sr.pos);
          }
        } else if (id === 2 || id === 3) {
          const n = sr.u32();
          sub.u32(n);
          for (let i = 0; i < n; i++) {
            sub.u32(funcMap(sr.u32()));
            const st = sr.pos;
            const m = sr.u32();
            for (let j = 0; j < m; j++) {
              sr.u32();
              sr.skip(sr.u32());
            }
            sub.bytes(buf, st, sr.pos);
          }
        } else sub.bytes(buf, sr.pos, end);
        w.byte(id);
        w.sized(sub);
      }
      return w;
    } catch (e) {
      if (e instanceof DecodeError) return null; // malformed names: drop them
      throw e;
    }
  };

  // ---- assemble ----
  const outW = new Writer(Math.ceil(buf.length * 1.3) + 1024);
  outW.bytes(buf, 0, 8);
  const emit = (id: number, w: Writer) => {
    outW.byte(id);
    outW.sized(w);
  };
  const synth: Array<[number, () => Writer]> = [];
  if (!typeSec) synth.push([1, buildType]);
  if (!importSec) synth.push([2, buildImport]);
  if (!funcSec) synth.push([3, buildFunction]);
  if (!codeSec) synth.push([10, buildCode]);
  const flushSynth = (rank: number) => {
    while (synth.length && SECTION_RANK[synth[0]![0]]! < rank) {
      const [id, f] = synth.shift()!;
      emit(id, f());
    }
  };
  for (const s of sections) {
    if (s.id === 0) {
      if (s.name === 'name') {
        const w = buildName(s);
        if (w) emit(0, w);
      } else if (s.name !== undefined && KEEP_CUSTOM.has(s.name)) {
        outW.byte(0);
        outW.u32(s.end - s.start);
        outW.bytes(buf, s.start, s.end);
      }
      continue;
    }
    flushSynth(SECTION_RANK[s.id]!);
    switch (s.id) {
      case 1:
        emit(1, buildType());
        break;
      case 2:
        emit(2, buildImport());
        break;
      case 3:
        emit(3, buildFunction());
        break;
      case 4:
        emit(4, buildTable(s));
        break;
      case 6:
        emit(6, buildGlobal(s));
        break;
      case 7:
        emit(7, buildExport(s));
        break;
      case 8:
        emit(8, buildStart(s));
        break;
      case 9:
        emit(9, buildElem(s));
        break;
      case 10:
        emit(10, buildCode());
        break;
      case 11:
        emit(11, buildData(s));
        break;
      default: {
        // memory (5), tag (13), datacount (12): no indices we renumber
        outW.byte(s.id);
        outW.u32(s.end - s.start);
        outW.bytes(buf, s.start, s.end);
      }
    }
  }
  flushSynth(Infinity);
  return { wasm: outW.result(), functions: nDefined };
}

function outArg(): number {
  return decodeOut.arg;
}

function skipConstExpr(r: Reader): void {
  for (;;) {
    const k = decode(r);
    if (k === K.End) return;
  }
}

function rewriteConstExpr(
  buf: Uint8Array,
  r: Reader,
  w: Writer,
  funcMap: (i: number) => number,
  globalMap: (i: number) => number,
): void {
  for (;;) {
    const s = r.pos;
    const k = decode(r);
    if (k === K.GlobalGet) {
      w.byte(0x23);
      w.u32(globalMap(decodeOut.arg));
    } else if (k === K.RefFunc) {
      w.byte(0xd2);
      w.u32(funcMap(decodeOut.arg));
    } else {
      w.bytes(buf, s, r.pos);
      if (k === K.End) return;
      if (k !== K.Plain) fail(`unexpected instruction in constant expression at offset ${s}`);
    }
  }
}

/** Validate with binaryen (all features). Captures binaryen's printed diagnostics for the message. */
function validateWithBinaryen(wasm: Uint8Array, input: Uint8Array): void {
  const b = binaryen;
  if (!b) throw new Error('instrumentFuel: binaryen is not loaded (await loadBinaryen() first, or pass validate: false)');
  const check = (bytes: Uint8Array): { ok: boolean; msg: string } => {
    const captured: string[] = [];
    const ow = process.stdout.write;
    const ew = process.stderr.write;
    const cap = (chunk: unknown) => {
      captured.push(String(chunk));
      return true;
    };
    let mod: Binaryen.Module | undefined;
    try {
      process.stdout.write = cap as typeof process.stdout.write;
      process.stderr.write = cap as typeof process.stderr.write;
      // binaryen.js 132: readBinary(data, features) (the typed readBinaryWithFeatures does not exist at run time)
      mod = (b.readBinary as (d: Uint8Array, f?: Binaryen.Features) => Binaryen.Module)(bytes, b.Features.All);
      mod.setFeatures(b.Features.All);
      const ok = mod.validate() !== 0;
      return { ok, msg: captured.join('').trim() };
    } catch (e) {
      return { ok: false, msg: `${(e as Error).message ?? e} ${captured.join('').trim()}`.trim() };
    } finally {
      process.stdout.write = ow;
      process.stderr.write = ew;
      mod?.dispose();
    }
  };
  const res = check(wasm);
  if (res.ok) return;
  const inRes = check(input);
  const clip = (m: string) => (m.length > 2000 ? m.slice(0, 2000) + ' ...' : m);
  if (!inRes.ok) throw new FuelInstrumentError(`input module is invalid or uses an unsupported feature: ${clip(inRes.msg)}`);
  const detail = clip(res.msg);
  throw new FuelInstrumentError(`fuel instrumentation produced an invalid module (bug in the pass): ${detail}`);
}
