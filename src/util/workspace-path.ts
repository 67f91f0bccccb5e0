// Working directories of steps: relative to the workspace, and never outside it.

import { isAbsolute, relative, resolve } from 'node:path';
import { MiaError } from '../errors.js';

/** The absolute directory `cwd` names from `base`, or undefined when it leaves `base`. */
export function resolveInside(base: string, cwd: string): string | undefined {
  const target = resolve(base, cwd);
  const way = relative(base, target);
  const isOutside = way === '..' || way.startsWith('../') || isAbsolute(way);
  return isOutside ? undefined : target;
}

/**
 * The working directory of a step: `with.cwd` (relative to `base`, the workspace or its checkout)
 * or `base` itself. Throws MIA_CWD_OUTSIDE_WORKSPACE for a directory outside `base` (a value an
 * expression gave; a literal one is a definition error).
 */
export function resolveStepCwd(base: string, cwd: unknown): string {
  if (typeof cwd !== 'string' || cwd === '') return base;
  const inside = resolveInside(base, cwd);
  if (inside !== undefined) return inside;
  throw new MiaError(
    'MIA_CWD_OUTSIDE_WORKSPACE',
    `The working directory ${JSON.stringify(cwd)} is outside the workspace (${base}).`,
    {
      hint: 'Give `cwd` a directory inside the workspace, relative to it (e.g. packages/app).',
      isRetriable: false,
    },
  );
}
