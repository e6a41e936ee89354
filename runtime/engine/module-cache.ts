// Compiled core modules, shared by every instance of an artifact. LRU with a byte budget:
// the budget counts wasm bytes (V8's code size follows them; lazy compilation makes the real
// footprint smaller until functions run).

export interface CompiledArtifact {
  modules: Map<string, WebAssembly.Module>;
  bytes: number;
}

export class ModuleCache {
  private entries = new Map<string, CompiledArtifact>();
  private used = 0;
  /** The most recently used key (the Map's last): using it again moves nothing. */
  private newest: string | undefined;

  constructor(
    readonly budgetBytes: number,
    /** Told when an entry is evicted, so executors can drop their references too. */
    private readonly onEvict: (key: string) => void = () => {},
  ) {}

  get(key: string): CompiledArtifact | undefined {
    const hit = this.entries.get(key);
    if (hit && key !== this.newest) {
      // Re-insert: Map iteration order is insertion order, so the first key is the LRU one.
      // Not when it is last already: every warm request gets its artifact here, and a delete
      // and set per request made the Map rehash (a new table) every few thousand.
      this.entries.delete(key);
      this.entries.set(key, hit);
      this.newest = key;
    }
    return hit;
  }

  set(key: string, value: CompiledArtifact): void {
    this.delete(key);
    this.entries.set(key, value);
    this.newest = key;
    this.used += value.bytes;
    for (const [k] of this.entries) {
      // Never evict the entry just added, even if it alone is over budget.
      if (this.used <= this.budgetBytes || k === key) break;
      this.delete(k);
      this.onEvict(k);
    }
  }

  delete(key: string): void {
    const old = this.entries.get(key);
    if (old) {
      this.used -= old.bytes;
      this.entries.delete(key);
      if (key === this.newest) this.newest = undefined;
    }
  }

  get usedBytes(): number {
    return this.used;
  }
  get size(): number {
    return this.entries.size;
  }
}
