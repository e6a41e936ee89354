/** Static fuel cost table. All costs are charged before the straight-line region they belong to runs. */
export interface CostTable {
  /** Every instruction not listed below. */
  normal: number;
  /** call, call_indirect, call_ref, return_call* (the callee charges its own body separately). */
  call: number;
  /** memory.grow (the host is consulted, the engine may have to commit and zero pages). */
  memoryGrow: number;
  /** table.grow. */
  tableGrow: number;
  /** memory.copy / memory.fill / memory.init: static part. */
  bulkMemory: number;
  /** memory.copy / memory.fill / memory.init also cost 1 fuel per 2^bulkBytesLog2 bytes of length (dynamic). */
  bulkBytesLog2: number;
  /** table.copy / table.fill / table.init (static only). */
  tableBulk: number;
}

/**
 * Defaults. Free (0): nop, drop, block, loop, else, end, try, catch, catch_all, delegate, try_table,
 * unreachable — structure, not work (same as wasmtime's default cost function).
 */
export const DEFAULT_COSTS: Readonly<CostTable> = Object.freeze({
  normal: 1,
  call: 2,
  memoryGrow: 1000,
  tableGrow: 100,
  bulkMemory: 10,
  bulkBytesLog2: 6,
  tableBulk: 10,
});
