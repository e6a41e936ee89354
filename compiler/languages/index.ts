import { assemblyscript } from './assemblyscript.js';
import { c } from './c.js';
import type { Frontend } from './frontend.js';
import { js } from './js.js';
import { ts } from './ts.js';
import { rust } from './rust.js';
import { go } from './go.js';
import { python } from './python.js';
import { ruby } from './ruby.js';

/** Every front end, keyed by the same names the control plane uses as Runtime. */
// Order matters for detection by extension: a directory holding .ts and .js files is TypeScript.
export const frontends: Record<string, Frontend> = { c, ts, js, assemblyscript, rust, go, python, ruby };

export type { BuildContext, Frontend } from './frontend.js';
