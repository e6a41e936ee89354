// The executor workers of one host: a few always running, more on demand up to a cap, one job
// per worker at a time. A job past its deadline gets its worker terminated (stopping the guest
// within milliseconds) and replaced; nothing else is lost but that worker's warm instances.

import type { Worker } from 'node:worker_threads';
import { adoptEarlyWorker, hasEarlyWorker, newWorker } from './early.js';
import type { ArtifactPayload, FromWorker, Readiness, ToWorker, WorkerInit } from './protocol.js';

type Done = Extract<FromWorker, { type: 'done' }>;

/** How long a worker may take to boot and load an artifact before its job counts as hung. */
const LOAD_BACKSTOP_MS = 30_000;
export type JobOutcome = { done: Done } | { timedOut: true } | { crashed: string };

type Message = ToWorker extends infer T ? (T extends { id: number } ? Omit<T, 'id'> : never) : never;

export interface Job {
  msg: Message;
  /** Wall-clock limit, from the moment a worker starts the job. */
  timeoutMs?: number;
  /** For affinity: the function version (slotOf) and artifact the job needs. */
  fn?: { name: string; reuse: boolean; artifactDir: string };
  /** Compiled modules, attached when the chosen worker does not have them yet. */
  artifact?: () => ArtifactPayload;
  /** Only this worker may run the job (filling a particular worker's pool). */
  pin?: WorkerHandle;
  resolve: (o: JobOutcome) => void;
}

export interface WorkerPoolOptions {
  init: WorkerInit;
  /** Workers kept running (default 2). */
  min: number;
  /** Cap on workers, i.e. on concurrent invocations (default 8). */
  max: number;
  /** Workers beyond `min` that stay idle this long are stopped (default 10 s). */
  idleMs?: number;
  /**
   * Start no worker until one is needed (or a second has passed), unless an early worker is
   * waiting to be adopted. For isolation 'auto', where a host whose functions all run on its
   * main thread may never need one: booting `min` workers at start cost its first response
   * ~6 ms of main thread on 2 cores (docs/bench.md, 4 and 4b).
   */
  lazy?: boolean;
  onLog: (message: string) => void;
  /** Makes a worker (tests: one that cannot boot). Default: early.ts newWorker. */
  newWorker?: () => Worker;
}

/** After a worker dies before it ever ran (a bad flag, a missing script, no memory), the next is
 *  started this much later, doubling per failure in a row up to MAX_RESPAWN_DELAY_MS: replacing
 *  it at once had a host spin through ~100 failing workers a second on both cores. */
const FIRST_RESPAWN_DELAY_MS = 50;
const MAX_RESPAWN_DELAY_MS = 30_000;
/** Failures in a row after which jobs are answered (crashed) instead of waiting for a worker. */
const FAILED_STARTS_BEFORE_GIVING_UP = 3;
/** What a job is answered while workers keep failing to start. */
const noWorker = (why: string): JobOutcome => ({ crashed: `no worker could start: ${why}` });

class WorkerHandle {
  job: Job | undefined;
  jobId = 0;
  timer: NodeJS.Timeout | undefined;
  idleTimer: NodeJS.Timeout | undefined;
  dead = false;
  /** Jobs started on this worker; the first one waits for the worker to boot. */
  started = 0;
  /** It answered 'init': it booted. */
  ready = false;
  readonly loaded = new Set<string>();
  readonly readiness = new Map<string, Readiness>();
  constructor(
    readonly worker: Worker,
    /** Booted before the pool existed (early.ts). */
    readonly early = false,
  ) {}
}

export class WorkerPool {
  private handles: WorkerHandle[] = [];
  private queue: Job[] = [];
  private nextId = 1;
  private closed = false;
  /** Workers replaced after a timeout or crash (for stats and tests). */
  replaced = 0;

  /** Set while the rest of `min` waits for the first job (see the constructor). */
  private deferred = false;
  /** Workers in a row that died before running anything, and the delayed respawn. */
  private failedStarts = 0;
  private startFailure = '';
  private respawn: NodeJS.Timeout | undefined;

  constructor(private readonly opts: WorkerPoolOptions) {
    if (opts.lazy && !hasEarlyWorker()) {
      // Jobs spawn workers on demand (pump); the rest of `min` follows the first job or a second.
      this.deferred = true;
      setTimeout(() => this.deferred && this.fill(), 1000).unref();
    } else if (this.spawn().early && opts.min > 1) {
      // A host started with an early worker is racing to its first response: booting the other
      // workers now would take CPU from it (2 cores). They start once the first job is done.
      this.deferred = true;
      setTimeout(() => this.deferred && this.fill(), 1000).unref();
    } else this.fill();
  }

  private fill(): void {
    this.deferred = false;
    while (this.handles.length < this.opts.min && !this.closed && !this.respawn) this.spawn();
  }

  get size(): number {
    return this.handles.length;
  }
  get busy(): number {
    return this.handles.filter((h) => h.job).length;
  }
  get queued(): number {
    return this.queue.length;
  }
  /** The workers as they are now (to pin jobs to each, e.g. filling every pool). */
  workers(): WorkerHandle[] {
    return [...this.handles];
  }

  run(job: Omit<Job, 'resolve'>): Promise<JobOutcome> {
    if (this.closed) return Promise.resolve({ crashed: 'host is shutting down' });
    // Workers keep failing to start and none is up: answer now (the next try still comes).
    if (this.failedStarts >= FAILED_STARTS_BEFORE_GIVING_UP && !this.handles.some((h) => h.ready)) {
      return Promise.resolve(noWorker(this.startFailure));
    }
    return new Promise((resolve) => {
      this.queue.push({ ...job, resolve });
      this.pump();
    });
  }

  /** Fire-and-forget to every worker (evictions); not queued behind jobs' results. */
  broadcast(msg: Extract<Message, { type: 'evict' | 'drop' | 'load' }>): void {
    for (const h of this.handles) {
      if (msg.type === 'drop') h.loaded.delete(msg.dir);
      if (msg.type === 'evict') for (const slot of h.readiness.keys()) if (slot.startsWith(`${msg.name}@`)) h.readiness.delete(slot);
      h.worker.postMessage({ ...msg, id: 0 });
    }
  }

  private spawn(): WorkerHandle {
    const early = this.opts.newWorker ? undefined : adoptEarlyWorker();
    const worker = early ?? (this.opts.newWorker ?? newWorker)();
    worker.removeAllListeners();
    // Workers may be started before the engine's options are known (early.ts): the first message.
    worker.postMessage({ type: 'init', id: 0, init: this.opts.init } satisfies ToWorker);
    const h = new WorkerHandle(worker, early !== undefined);
    worker.on('message', (m: FromWorker) => this.onMessage(h, m));
    worker.on('error', (e) => this.retire(h, `worker error: ${e.message}`));
    worker.on('exit', (code) => this.retire(h, `worker exited with code ${code}`));
    // Idle workers must not keep the process alive; busy ones must (see start()).
    worker.unref();
    this.handles.push(h);
    return h;
  }

  private onMessage(h: WorkerHandle, m: FromWorker): void {
    if (m.type === 'ready') {
      h.ready = true;
      // The first to boot after failures: the rest of the resting pool can start too.
      if (this.failedStarts > 0) (this.failedStarts = 0), this.fill();
      return;
    }
    if (m.type === 'log') return this.opts.onLog(m.message);
    if (m.id === 0 || m.id !== h.jobId || !h.job) return;
    if (m.type === 'running') {
      if (h.job.timeoutMs !== undefined) this.arm(h, h.job.timeoutMs);
      return;
    }
    const job = h.job;
    clearTimeout(h.timer);
    h.job = undefined;
    h.worker.unref();
    if (m.readiness) h.readiness.set(m.readiness.name, m.readiness);
    job.resolve({ done: m });
    // After the response is written (it goes out in this turn's microtasks).
    if (this.deferred) setImmediate(() => this.deferred && this.fill());
    this.pump();
    if (!h.job) this.idle(h);
  }

  /** An on-demand worker left idle is stopped after idleMs; the resting pool keeps `min`. */
  private idle(h: WorkerHandle): void {
    clearTimeout(h.idleTimer);
    h.idleTimer = setTimeout(() => {
      if (h.job || h.dead || this.handles.length <= this.opts.min) return;
      h.dead = true;
      this.handles = this.handles.filter((x) => x !== h);
      void h.worker.terminate();
    }, this.opts.idleMs ?? 10_000);
    h.idleTimer.unref();
  }

  /** A worker is gone (terminated for a timeout, crashed, or exited): answer its job, replace it. */
  private retire(h: WorkerHandle, why: string, outcome?: JobOutcome): void {
    if (h.dead) return;
    h.dead = true;
    clearTimeout(h.timer);
    clearTimeout(h.idleTimer);
    this.handles = this.handles.filter((x) => x !== h);
    const job = h.job;
    h.job = undefined;
    job?.resolve(outcome ?? { crashed: why });
    // Pinned jobs for this worker can no longer run.
    this.queue = this.queue.filter((j) => {
      if (j.pin !== h) return true;
      j.resolve({ crashed: why });
      return false;
    });
    if (this.closed) return;
    this.replaced++;
    // Killed on purpose (a deadline) or lost after it booted: replaced at once. Dead before it
    // booted: something is wrong with starting workers at all, so back off.
    if (outcome || h.ready) this.failedStarts = 0;
    else this.failedStarts++;
    if (this.failedStarts === 0) {
      if (this.handles.length < this.opts.min) this.spawn();
      this.pump();
      return;
    }
    this.startFailure = why;
    const delay = Math.min(MAX_RESPAWN_DELAY_MS, FIRST_RESPAWN_DELAY_MS * 2 ** (this.failedStarts - 1));
    this.opts.onLog(`a worker failed to start (${why}); next try in ${delay} ms`);
    if (this.failedStarts >= FAILED_STARTS_BEFORE_GIVING_UP && this.handles.length === 0) {
      // Nothing can run them: answer now rather than hold callers until a worker boots.
      const waiting = this.queue;
      this.queue = [];
      for (const j of waiting) j.resolve(noWorker(why));
    }
    clearTimeout(this.respawn);
    this.respawn = setTimeout(() => {
      this.respawn = undefined;
      if (this.closed) return;
      if (this.handles.length < this.opts.min || this.queue.length > 0) this.spawn();
      this.pump();
    }, delay);
    this.respawn.unref();
  }

  private score(h: WorkerHandle, job: Job): number {
    if (!job.fn) return 0;
    const r = h.readiness.get(job.fn.name);
    return (job.fn.reuse && r?.hot ? 4 : 0) + (r && r.pooled > 0 ? 2 : 0) + (h.loaded.has(job.fn.artifactDir) ? 1 : 0);
  }

  private pump(): void {
    for (let i = 0; i < this.queue.length; ) {
      const job = this.queue[i]!;
      const idle = this.handles.filter((h) => !h.job && !h.dead && (!job.pin || job.pin === h));
      if (idle.length === 0) {
        i++;
        continue;
      }
      const best = idle.reduce((a, b) => (this.score(b, job) > this.score(a, job) ? b : a));
      this.queue.splice(i, 1);
      this.start(best, job);
    }
    // Unpinned work waiting and no idle worker: add one, up to the cap.
    const waiting = this.queue.filter((j) => !j.pin).length;
    const idle = this.handles.filter((h) => !h.job).length;
    if (waiting > 0 && idle === 0 && this.handles.length < this.opts.max && !this.closed && !this.respawn) {
      this.spawn();
      this.pump();
    }
  }

  private start(h: WorkerHandle, job: Job): void {
    clearTimeout(h.idleTimer);
    h.job = job;
    h.jobId = this.nextId++;
    const msg = { ...job.msg, id: h.jobId } as ToWorker;
    if (job.artifact && job.fn && !h.loaded.has(job.fn.artifactDir) && (msg.type === 'invoke' || msg.type === 'prepare')) {
      msg.artifact = job.artifact();
      h.loaded.add(job.fn.artifactDir);
    }
    if (job.timeoutMs !== undefined) {
      // The guest's clock starts when it runs: booting a worker and importing glue are the
      // host's costs, not the function's. Until the worker says 'running', only a generous
      // backstop applies.
      const loading = h.started === 0 || ('artifact' in msg && msg.artifact !== undefined);
      this.arm(h, loading ? LOAD_BACKSTOP_MS + job.timeoutMs : job.timeoutMs);
    }
    h.started++;
    h.worker.ref();
    h.worker.postMessage(msg);
  }

  private arm(h: WorkerHandle, ms: number): void {
    clearTimeout(h.timer);
    h.timer = setTimeout(() => {
      void h.worker.terminate();
      this.retire(h, 'timeout', { timedOut: true });
    }, ms);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.respawn);
    for (const j of this.queue) j.resolve({ crashed: 'host is shutting down' });
    this.queue = [];
    for (const h of this.handles) {
      h.dead = true;
      clearTimeout(h.timer);
      clearTimeout(h.idleTimer);
    }
    await Promise.all(this.handles.map((h) => h.worker.terminate()));
  }
}

export type { WorkerHandle };
