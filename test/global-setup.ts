import { execFileSync } from 'node:child_process';
import { ManifestFunctions } from '../runtime/functions/manifest.js';
import { DATA_DIR, FIXTURES, ROOT } from './helpers/paths.js';

export default async function setup(): Promise<void> {
  // Worker threads run compiled JS (runtime/engine/worker/script.ts) and child hosts run the
  // bundle (bin/wisp.js): build both first.
  execFileSync('npm', ['run', '--silent', 'build:ts'], { cwd: ROOT, stdio: 'inherit' });
  await ManifestFunctions.load(FIXTURES, { cacheDir: DATA_DIR, onProgress: (l) => console.log(`[setup] ${l}`) });
}
