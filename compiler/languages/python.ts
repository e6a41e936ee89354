// Python: componentize-py (PyPI) against the same wasi:http WIT as JS (compiler/wit.ts,
// wasi:http@0.2.10: componentize-py 0.25 accepts it and links its own WASI 0.2.0 adapter for
// the rest). The result is the standard wasi:http/incoming-handler component.
//
// A function is a directory with app.py (+ other modules and packages), or a bare .py file. The
// app defines `handle(request)` (the bundled helper compiler/languages/python/wisp_http.py turns
// it into the IncomingHandler class; see that file), or the class `IncomingHandler` itself.
// componentize-py imports the app at build time (pre-initialization), so a SyntaxError or an
// import error fails the build with Python's own traceback (file and line).
//
// Only the function's files (copied into the work dir) and the helper are on the Python path:
// third-party packages must be vendored into the function's directory (pure Python only).

import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { BuildError, run, type Tool } from '../toolchain.js';
import { HTTP_WORLD, httpWitDir } from '../wit.js';
import { asset, copySources } from './assets.js';
import type { Frontend } from './frontend.js';

export const componentizePy: Tool = {
  cmd: process.env.WISP_COMPONENTIZE_PY ?? 'componentize-py',
  install: 'python3 -m pip install componentize-py==0.25.1',
};


const ENTRY_CANDIDATES = ['app.py', 'main.py'];
const MODULE = /^[A-Za-z_][A-Za-z0-9_]*$/;

function entryModule(files: string[], srcDir: string): string {
  const top = files.filter((f) => !f.includes('/') && f.endsWith('.py'));
  const entry = ENTRY_CANDIDATES.find((c) => top.includes(c)) ?? (top.length === 1 ? top[0] : undefined);
  if (!entry) throw new BuildError(`no entry point in ${srcDir}: expected app.py`);
  const mod = basename(entry, '.py');
  if (!MODULE.test(mod)) throw new BuildError(`${entry}: not a valid Python module name`);
  return mod;
}

/**
 * componentize-py's output made about the author's code: the guest traceback it wraps in an
 * AssertionError, without componentize-py's own frames or Wisp's entry module, with the guest
 * paths (/0 = the function's files, /1 = Wisp's helper) mapped back to the source directory.
 * Returns [summary line, details].
 */
export function pythonDiagnostics(text: string, srcDir: string): [string, string] {
  const cause = /\nCaused by:\s*\n\s*(.+)/.exec(text)?.[1]?.trim();
  const start = text.indexOf('AssertionError: Traceback');
  let body = start >= 0 ? text.slice(start + 'AssertionError: '.length) : text;
  const end = body.indexOf('\n\nCaused by:');
  if (end >= 0) body = body.slice(0, end);
  body = body
    .replace(/^ {2}File "\/1\/wisp_main\.py".*\n(?: {4}.*\n)*/m, '')
    .replaceAll('File "/0/', `File "${srcDir}/`)
    .trim();
  return [cause ?? body.split('\n').at(-1) ?? 'componentize-py failed', body];
}

export const python: Frontend = {
  lang: 'python',
  sources: ['.py'],
  markers: ['app.py', 'requirements.txt', 'pyproject.toml'],
  async build({ srcDir, files, workDir, cacheDir }) {
    const mod = entryModule(files, srcDir);
    // The function's files only: componentize-py bundles whole directories of the Python path.
    const appDir = join(workDir, 'app');
    await copySources(srcDir, files, appDir);
    const libDir = join(workDir, 'wisp');
    await mkdir(libDir, { recursive: true });
    await copyFile(asset('python/wisp_http.py'), join(libDir, 'wisp_http.py'));
    const main = (await readFile(asset('python/wisp_main.py'), 'utf8')).replaceAll('{{entry}}', mod);
    await writeFile(join(libDir, 'wisp_main.py'), main);

    const out = join(workDir, 'component.wasm');
    const wit = await httpWitDir(cacheDir);
    // A clean environment: no VIRTUAL_ENV / PYTHONPATH of the host leaks into the component.
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8' };
    if (process.env.PYENV_VERSION) env.PYENV_VERSION = process.env.PYENV_VERSION;
    try {
      run(componentizePy, ['-q', '-d', wit, '-w', HTTP_WORLD, 'componentize', '-p', appDir, '-p', libDir, 'wisp_main', '-o', out], {
        cwd: workDir,
        env,
      });
    } catch (e) {
      // No details: componentize-py is missing (run()'s one line says what to install).
      if (e instanceof BuildError && e.details) {
        const [summary, details] = pythonDiagnostics(e.details, srcDir);
        throw new BuildError(`Python build failed: ${summary}`, details);
      }
      throw e;
    }
    return readFile(out);
  },
};
