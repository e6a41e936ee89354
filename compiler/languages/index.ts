import { c } from './c.js';
import type { Frontend } from './frontend.js';
import { js } from './js.js';

/** Every front end, keyed by the same names the control plane uses as Runtime. */
export const frontends: Record<string, Frontend> = { c, js };

export type { BuildContext, Frontend } from './frontend.js';
