import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
/** Shared by every test run so unchanged fixtures are not rebuilt (content-hash cache). */
export const DATA_DIR = fileURLToPath(new URL('../../.wisp/test/', import.meta.url));
