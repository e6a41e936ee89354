// Synchronous host calls without jco's async-task bookkeeping.
//
// jco 1.35's glue runs every import a guest calls through the Component Model's async machinery
// (preview 3): `_lowerImportBackwardsCompat` makes a subtask (an object of ~30 fields plus a
// waitable and a call-metadata record) and the generated trampoline makes a host task, links the
// two, enters it, resolves it and exits it (borrow-scope checks, lock release, progress
// notification, exit handlers). For a *sync-lowered sync* import — every import of the wasi:http
// and wasi:cli worlds Wisp serves — none of that changes what the call does: the trampoline lifts
// the arguments, calls the host, lowers the result into guest memory and returns it. It cost a
// prewarmed hello-js request ~40 % of its time (16 host calls; docs/bench.md, "Glue").
//
// The patch (applied by patchGlue when the glue has exactly this shape, else not at all):
//   - `_lowerImportBackwardsCompat`: a sync-lowered sync import calls the trampoline directly
//     (after the may-leave check, which stays) and returns its result;
//   - each trampoline's task preamble (createNewCurrentTask + parent/subtask lookup) becomes one
//     shared inert host task, whose enter/resolve/exit do nothing.
//   - then, if that applied, each sync export's task (made per call: an AsyncTask of ~30
//     fields and, on an instance's first call, the component's async state) becomes a small
//     per-call object that records resolved/exited; the trapped check reads the async state only
//     if one exists (a trap is what creates it: `markTrapped`).
// Kept: the trampolines' lifting, lowering, handle tables, borrow release and trap marking
// (`getOrCreateAsyncState(0).markTrapped`), may-leave checks, and the current-task markers.
// Not kept: jco's validation that borrowed handles were released within a host call's scope
// (the guest's own borrows; a guest that breaks it gets no trap from that check) — the handle
// tables still refuse every invalid handle.

const PREAMBLE = new RegExp(
  [
    '    let parentTask;\\n    let task;\\n    let subtask;\\n    \\n',
    '    const createTask = \\(\\) => \\{\\n      const results = createNewCurrentTask\\(\\{\\n',
    "        componentIdx: -1,\\n        isAsync: false,\\n        entryFnName: '[^'\\n]*',\\n",
    "        getCallbackFn: \\(\\) => null,\\n        callbackFnName: null,\\n        errHandling: '(?:none|result-catch-handler)',\\n",
    '        callingWasmExport: false,\\n      \\}\\);\\n      task = results\\[0\\];\\n    \\};\\n    \\n',
    '    taskCreation: \\{\\n      parentTask = getCurrentTask\\(\\n      0,\\n      _getGlobalCurrentTaskMeta\\(0\\)\\?\\.taskID,\\n      \\)\\?\\.task;\\n      \\n',
    '      if \\(!parentTask\\) \\{\\n        createTask\\(\\);\\n        break taskCreation;\\n      \\}\\n      \\n      createTask\\(\\);\\n      \\n',
    '      if \\(hostProvided\\) \\{\\n        subtask = parentTask\\.getLatestSubtask\\(\\);\\n        if \\(!subtask\\) \\{\\n          throw new Error\\([^\\n]*\\);\\n        \\}\\n',
    '        task\\.setParentSubtask\\(subtask\\);\\n      \\}\\n    \\}\\n',
  ].join(''),
  'g',
);
const PREAMBLE_START = '    let parentTask;\n    let task;\n    let subtask;\n';
const INERT = '    let task = _wispHostTask;\n';

const LOWER_ANCHOR = '  function _lowerImportBackwardsCompat(args) {\n    const params = [...arguments].slice(1);\n';
// Before anything is copied: the arguments are passed on as they came (no array per call).
// (Extra undefined arguments are harmless to a trampoline with fewer parameters; longer calls,
// e.g. wasi:http's 9-parameter ones, are spread.)
const LOWER_FAST =
  '  function _lowerImportBackwardsCompat(args, a0, a1, a2, a3, a4, a5) {\n' +
  '    if (!args.isManualAsync && !args.isAsync && !args.funcTypeIsAsync) {\n' +
  '      _checkMayLeave(args.componentIdx);\n' +
  '      return arguments.length <= 7 ? args.importFn(a0, a1, a2, a3, a4, a5) : args.importFn(...[...arguments].slice(1));\n' +
  '    }\n' +
  '    const params = [...arguments].slice(1);\n';

const TASK_ANCHOR = '  let curResourceBorrows = [];\n';
const TASK_DEF =
  TASK_ANCHOR +
  '  const _wispHostTask = { enterSync: () => true, componentIdx: () => -1, id: () => 0, resolve() {}, exit() {}, reject() {}, setErrored() {}, getParentSubtask() {}, setParentSubtask() {} };\n';

const EXPORT_PROLOGUE = new RegExp(
  [
    '    getOrCreateAsyncState\\((\\d+)\\)\\.throwIfTrapped\\(\\);\\n    \\n',
    '    const \\[task, _wasm_call_currentTaskID\\] = createNewCurrentTask\\(\\{\\n',
    '      componentIdx: (\\d+),\\n      isAsync: false,\\n      isManualAsync: false,\\n      preserveFutureResult: false,\\n',
    "      entryFnName: '[^'\\n]*',\\n      getCallbackFn: \\(\\) => null,\\n      callbackFnName: null,\\n",
    "      errHandling: '[a-z-]+',\\n      callingWasmExport: true,\\n    \\}\\);\\n",
  ].join(''),
  'g',
);
const EXPORT_START = 'callingWasmExport: true,';
const EXPORT_TASK_DEF =
  '  const _wispExportTask = (componentIdx) => {\n' +
  '    let resolved = false;\n    let exited = false;\n' +
  '    return { id: () => 0, componentIdx: () => componentIdx, setCalleeIsAsync() {}, enterSync: () => true, mayBlock: () => false,\n' +
  '      resolve() { resolved = true; }, reject() { resolved = true; }, setErrored() {}, exit() { exited = true; },\n' +
  '      isResolvedState: () => resolved, isExited: () => exited, setReturnMemoryIdx() {}, setReturnMemory() {} };\n' +
  '  };\n';

/** The glue with sync imports as plain calls; unchanged unless every part of the pattern is found. */
export function patchSyncImports(glue: string): string {
  const trampolines = glue.split(PREAMBLE_START).length - 1;
  if (trampolines === 0 || !glue.includes(LOWER_ANCHOR) || glue.split(TASK_ANCHOR).length !== 2) return glue;
  let replaced = 0;
  const out = glue.replace(PREAMBLE, () => (replaced++, INERT));
  // All or nothing: a trampoline left with jco's preamble would look for a subtask that the
  // fast lowering no longer makes.
  if (replaced !== trampolines) return glue;
  return patchSyncExports(out.replace(LOWER_ANCHOR, LOWER_FAST).replace(TASK_ANCHOR, TASK_DEF));
}

/** Sync exports' tasks (only on top of the import patch, which stops imports looking them up). */
function patchSyncExports(glue: string): string {
  const exports = glue.split(EXPORT_START).length - 1;
  if (exports === 0) return glue;
  let replaced = 0;
  const out = glue.replace(EXPORT_PROLOGUE, (_m, trapIdx: string, idx: string) => {
    replaced++;
    return `    ASYNC_STATE.get(${trapIdx})?.throwIfTrapped();\n    \n    const [task, _wasm_call_currentTaskID] = [_wispExportTask(${idx}), 0];\n`;
  });
  if (replaced !== exports) return glue;
  return out.replace(TASK_DEF, TASK_DEF + EXPORT_TASK_DEF);
}
