import { ManifestFunctions } from '../runtime/functions/manifest.js';
import { DATA_DIR, FIXTURES } from './helpers/paths.js';

export default async function setup(): Promise<void> {
  await ManifestFunctions.load(FIXTURES, { cacheDir: DATA_DIR, onProgress: (l) => console.log(`[setup] ${l}`) });
}
