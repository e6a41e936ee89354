/** Thrown by wasi:cli/exit: unwinds the guest's stack; ends only this invocation. */
export class GuestExit extends Error {
  constructor(readonly code: number) {
    super(`guest exited with status ${code}`);
    this.name = 'GuestExit';
  }
}
