// compiler/glue-sync-imports.ts: jco's per-import task bookkeeping replaced in the glue, all or
// nothing. The behaviour of patched glue (every JS/TS/Python function, their errors and traps) is
// what the end-to-end suites exercise; this file checks the rewrite itself.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManifestFunctions } from '../../runtime/functions/manifest.js';
import { GLUE_FILE } from '../../compiler/artifact.js';
import { patchSyncImports } from '../../compiler/glue-sync-imports.js';
import { DATA_DIR, FIXTURES } from '../helpers/paths.js';

/** One trampoline preamble as jco 1.35 generates it. */
const preamble = (fn: string, err = 'none') => `    let parentTask;
    let task;
    let subtask;
    
    const createTask = () => {
      const results = createNewCurrentTask({
        componentIdx: -1,
        isAsync: false,
        entryFnName: '${fn}',
        getCallbackFn: () => null,
        callbackFnName: null,
        errHandling: '${err}',
        callingWasmExport: false,
      });
      task = results[0];
    };
    
    taskCreation: {
      parentTask = getCurrentTask(
      0,
      _getGlobalCurrentTaskMeta(0)?.taskID,
      )?.task;
      
      if (!parentTask) {
        createTask();
        break taskCreation;
      }
      
      createTask();
      
      if (hostProvided) {
        subtask = parentTask.getLatestSubtask();
        if (!subtask) {
          throw new Error(\`Missing subtask (in parent task [\${parentTask.id()}]) for host import\`);
        }
        task.setParentSubtask(subtask);
      }
    }
    
    const started = task.enterSync();
`;

/** One sync export's prologue as jco 1.35 generates it. */
const exportPrologue = (fn: string, err = 'none') => `    const hostProvided = false;
    getOrCreateAsyncState(0).throwIfTrapped();
    
    const [task, _wasm_call_currentTaskID] = createNewCurrentTask({
      componentIdx: 0,
      isAsync: false,
      isManualAsync: false,
      preserveFutureResult: false,
      entryFnName: '${fn}',
      getCallbackFn: () => null,
      callbackFnName: null,
      errHandling: '${err}',
      callingWasmExport: true,
    });
    task.setCalleeIsAsync(false);
`;

const glue = (trampolines: string[], exports: string[] = []) =>
  `  let curResourceBorrows = [];\n  function _lowerImportBackwardsCompat(args) {\n    const params = [...arguments].slice(1);\n    _checkMayLeave(componentIdx);\n  }\n` +
  trampolines.map((t, i) => `  const _trampoline${i} = function() {\n${t}  };\n`).join('') +
  exports.map((e, i) => `  function export${i}() {\n${e}  }\n`).join('');

describe('patchSyncImports', () => {
  it('replaces every trampoline preamble, lowers sync imports as plain calls, defines the inert task once', () => {
    const out = patchSyncImports(glue([preamble('method'), preamble('set-status-code', 'result-catch-handler')]));
    expect(out.match(/let task = _wispHostTask;/g)).toHaveLength(2);
    expect(out).not.toContain('createNewCurrentTask');
    expect(out).toContain('if (!args.isManualAsync && !args.isAsync && !args.funcTypeIsAsync) {');
    expect(out).toContain('args.importFn(...[...arguments].slice(1))'); // any arity
    expect(out.match(/const _wispHostTask = /g)).toHaveLength(1);
    expect(out).toContain('    const started = task.enterSync();');
  });

  it('changes nothing unless every trampoline has the known shape', () => {
    const odd = preamble('other').replace("errHandling: 'none'", "errHandling: 'throw-result-err'");
    const src = glue([preamble('method'), odd]);
    expect(patchSyncImports(src)).toBe(src);
    const noAnchor = glue([preamble('method')]).replace('const params = [...arguments].slice(1);', 'const params = Array.from(arguments);');
    expect(patchSyncImports(noAnchor)).toBe(noAnchor);
  });

  it('gives sync exports a per-call task record, and only on top of the import patch, all or nothing', () => {
    const out = patchSyncImports(glue([preamble('method')], [exportPrologue('handle'), exportPrologue('run', 'throw-result-err')]));
    expect(out.match(/const \[task, _wasm_call_currentTaskID\] = \[_wispExportTask\(0\), 0\];/g)).toHaveLength(2);
    expect(out.match(/ASYNC_STATE\.get\(0\)\?\.throwIfTrapped\(\);/g)).toHaveLength(2);
    expect(out.match(/const _wispExportTask = /g)).toHaveLength(1);
    // An export of another shape: the exports stay as jco made them (the imports are still patched).
    const asyncExport = exportPrologue('later').replace('isAsync: false', 'isAsync: true');
    const mixed = patchSyncImports(glue([preamble('method')], [exportPrologue('handle'), asyncExport]));
    expect(mixed).not.toContain('_wispExportTask');
    expect(mixed).toContain('let task = _wispHostTask;');
    // Without the import patch, no export patch either (jco's imports look the export task up).
    const odd = preamble('other').replace("errHandling: 'none'", "errHandling: 'throw-result-err'");
    const src = glue([preamble('method'), odd], [exportPrologue('handle')]);
    expect(patchSyncImports(src)).toBe(src);
  });

  it('applies to the glue of a real wasi:http JS component (jco 1.35, as built by the compiler)', async () => {
    const m = await ManifestFunctions.load(FIXTURES, { cacheDir: DATA_DIR, want: (n) => n === 'hello-js' });
    const text = readFileSync(join(m.get('hello-js')!.artifactDir, GLUE_FILE), 'utf8');
    const trampolines = text.match(/^ {2}const _trampoline\d+ = function/gm)?.length ?? 0;
    expect(trampolines).toBeGreaterThan(50);
    // Every trampoline that had jco's preamble now has the inert task; none is left half done.
    expect(text.match(/let task = _wispHostTask;/g)?.length).toBe(trampolines);
    expect(text).not.toMatch(/componentIdx: -1,\n {8}isAsync: false,\n {8}entryFnName/);
    expect(text).toContain('return arguments.length <= 7 ? args.importFn(');
    expect(text).toContain('const [task, _wasm_call_currentTaskID] = [_wispExportTask(0), 0];');
    expect(text).not.toContain('callingWasmExport: true');
  });
});
