// The names a snapshot-split module and its restore module agree on (compiler/snapshot.ts). Its
// own file so that the runtime (and every executor worker it boots) does not load the splitter.

export const SNAPSHOT_MODULE = 'wisp:snapshot';
export const SNAPSHOT_MEMORY = 'memory';
/** `restore(zeroEnd)`: the image back into the memory; with zeroEnd > 0 every other byte below
 *  zeroEnd zeroed first (a reused memory), 0 for a fresh one. */
export const RESTORE_EXPORT = 'restore';
