// Per-instance enforcement of the fuel and memory limits (DESIGN.md, Decided 4). Artifacts
// built by Wisp have every core module instrumented (compiler/fuel): they import a shared fuel
// counter and ask the host before every memory.grow / table.grow. Un-instrumented modules
// simply do not import these, and then only the wall-clock limit and the initial-size check apply.

import { abandon, type SpeculativeRun } from './speculation.js';

const PAGE = 65536;

/** Thrown by the fuel import: unwinds the guest; the host answers FuelExhausted. */
export class FuelExhausted extends Error {
  constructor() {
    super('the function ran out of fuel');
    this.name = 'FuelExhausted';
  }
}

/** The component needs more memory than its function may have, before running at all. */
export class MemoryLimitExceeded extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MemoryLimitExceeded';
  }
}

/** Tables are host memory too (each entry a pointer); a generous fixed cap bounds them. */
export const MAX_TABLE_ELEMENTS = 1_000_000;

export class InstanceLimits {
  readonly fuel: WebAssembly.Global;
  readonly memories = new Set<WebAssembly.Memory>();
  /** Set when a grow was refused: a trap after it is reported as MemoryLimitExceeded. */
  growDenied = false;
  /** Set for a speculative run (speculation.ts): it stays on its initial memory and tables,
   *  and fuel exhaustion traps instead of throwing (a guest handler cannot catch a trap). */
  speculation: SpeculativeRun | undefined;
  private budget = 0n;
  /** The counter when the last invocation settled; undefined while one runs. */
  private left: bigint | undefined;

  constructor(
    /** Set again when a recycled instance's limits serve the next invocation. */
    public memoryCapBytes: number,
    fuel: number,
    /** A counter shared by every instance of a module on this thread (preview1-instance.ts):
     *  only one of them runs at a time, and begin() sets it before each run. */
    counter?: WebAssembly.Global,
  ) {
    this.budget = BigInt(fuel);
    this.fuel = counter ?? new WebAssembly.Global({ value: 'i64', mutable: true }, this.budget);
  }

  /** Start a new invocation: full budget, forget earlier refusals. */
  begin(fuel: number): void {
    this.budget = BigInt(fuel);
    this.fuel.value = this.budget;
    this.left = undefined;
    this.growDenied = false;
  }

  /** The invocation's guest code is done (returned or threw): keep what it left of the
   *  counter, which a shared counter loses at the next run of another instance. */
  settle(): void {
    this.left ??= this.fuel.value as bigint;
  }

  private get remaining(): bigint {
    return this.left ?? (this.fuel.value as bigint);
  }

  /** The guest spent more than its budget (possibly without reaching a check). */
  get overdrawn(): boolean {
    return this.remaining < 0n;
  }

  get fuelUsed(): number {
    const left = this.remaining;
    return Number(this.budget - (left < 0n ? 0n : left));
  }

  memoryBytes(): number {
    let total = 0;
    for (const m of this.memories) total += m.buffer.byteLength;
    return total;
  }

  /** The imports every instrumented core module links against, bound to these limits. */
  imports(): WebAssembly.Imports {
    return { 'wisp:fuel': { remaining: this.fuel, exhausted: () => this.exhausted() }, 'wisp:limits': limitFunctions({ limits: this }) };
  }

  /** The fuel instrumentation ran out (`wisp:fuel.exhausted`). */
  exhausted(): void {
    // Returning lets the instrumentation's `unreachable` trap (docs/fuel.md).
    if (this.speculation) return;
    throw new FuelExhausted();
  }

  /** 1 if a memory may grow by `deltaPages`, else 0 (`wisp:limits.grow`). */
  grow(deltaPages: number): number {
    if (this.speculation && deltaPages !== 0) {
      abandon(this.speculation, 'memory.grow');
      return 0;
    }
    const ok = this.memoryBytes() + (deltaPages >>> 0) * PAGE <= this.memoryCapBytes;
    if (!ok) this.growDenied = true;
    return ok ? 1 : 0;
  }

  /** 1 if a table may grow from `current` by `delta` entries, else 0 (`wisp:limits.tableGrow`). */
  tableGrow(current: number, delta: number): number {
    if (this.speculation && delta !== 0) {
      abandon(this.speculation, 'table.grow');
      return 0;
    }
    return (current >>> 0) + (delta >>> 0) <= MAX_TABLE_ELEMENTS ? 1 : 0;
  }

  /** Track the memories a core instance defines or shares, so the cap covers all of them. */
  track(instance: WebAssembly.Instance, imports: WebAssembly.Imports): void {
    for (const v of Object.values(instance.exports)) if (v instanceof WebAssembly.Memory) this.memories.add(v);
    for (const ns of Object.values(imports)) {
      for (const v of Object.values(ns as Record<string, unknown>)) if (v instanceof WebAssembly.Memory) this.memories.add(v);
    }
  }
}

/** Whose limits the functions below enforce: one instance's, or whichever instance of a
 *  module that shares them runs now (preview1-instance.ts). */
export interface LimitsRef {
  readonly limits: InstanceLimits;
}

/** `wisp:limits`, calling the limits `ref` names at call time. */
export function limitFunctions(ref: LimitsRef): WebAssembly.ModuleImports {
  return {
    grow: (_mem: number, _currentPages: number, deltaPages: number) => ref.limits.grow(deltaPages),
    tableGrow: (_table: number, current: number, delta: number) => ref.limits.tableGrow(current, delta),
  };
}
