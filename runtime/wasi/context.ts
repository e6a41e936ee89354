// The per-instance state behind a guest's WASI imports. An instance is created before the
// request it will serve is known (pre-warmed pools), and a hot instance serves many requests,
// so the imports read the *current* invocation's buffers through this object at call time.

import { InputStream } from './io.js';
import { EnvList } from './env.js';
import { ByteSink } from './sink.js';

export interface WasiConfig {
  /** Exactly the guest's environment: nothing of the host's process.env leaks in. */
  env: Record<string, string>;
  /** argv; by convention [function name]. */
  args: string[];
  /** Caps on what one invocation may write; past them writes fail and the host reports it. */
  stdoutLimit: number;
  stderrLimit: number;
  /** Commands answer on stdout; http functions only log there. */
  stdoutIsResponse: boolean;
}

export class WasiContext {
  env: [string, string][];
  readonly args: string[];
  /** One stream per invocation, so a guest asking twice keeps its read position. */
  stdin = new InputStream(new Uint8Array(0));
  stdout: ByteSink;
  stderr: ByteSink;
  /** The invocation's response (stdout of a command, body of an http response) hit its cap. */
  responseOverflowed = false;

  constructor(readonly config: WasiConfig) {
    this.env = Object.entries(config.env);
    this.args = config.args;
    this.stdout = this.newStdout();
    this.stderr = new ByteSink(config.stderrLimit);
  }

  /** Start a new invocation on this instance: fresh stdio buffers and its environment
   *  (commands see per-request CGI variables; wasi-libc reads the environment lazily). */
  begin(stdin: Uint8Array, env: Record<string, string> | EnvList): void {
    this.env = env instanceof EnvList ? env.entries() : Object.entries(env);
    this.stdin = new InputStream(stdin);
    this.stdout = this.newStdout();
    this.stderr = new ByteSink(this.config.stderrLimit);
    this.responseOverflowed = false;
  }

  private newStdout(): ByteSink {
    return new ByteSink(this.config.stdoutLimit, this.config.stdoutIsResponse ? () => (this.responseOverflowed = true) : undefined);
  }

  /** A sink for a response body, capped at the function's response limit. */
  responseSink(limit: number): ByteSink {
    return new ByteSink(limit, () => (this.responseOverflowed = true));
  }
}
