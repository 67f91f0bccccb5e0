import { describe, expect, it } from 'vitest';
import { MiaError } from '../../src/errors.js';
import { resolveInside, resolveStepCwd } from '../../src/util/workspace-path.js';

const BASE = '/work/repo';

describe('resolveInside', () => {
  it.each([
    ['.', BASE],
    ['packages/app', `${BASE}/packages/app`],
    ['./a/../b', `${BASE}/b`],
    [`${BASE}/docs`, `${BASE}/docs`],
    ['..repo-like-name', `${BASE}/..repo-like-name`],
  ])('resolves %j inside the workspace', (cwd, expected) => {
    expect(resolveInside(BASE, cwd)).toBe(expected);
  });

  it.each(['..', '../sibling', 'a/../../b', '/etc', '/work/repo-other'])(
    'refuses %j, which leaves the workspace',
    (cwd) => {
      expect(resolveInside(BASE, cwd)).toBeUndefined();
    },
  );
});

describe('resolveStepCwd', () => {
  it('is the workspace itself without a cwd', () => {
    expect(resolveStepCwd(BASE, undefined)).toBe(BASE);
    expect(resolveStepCwd(BASE, '')).toBe(BASE);
  });

  it('refuses a cwd that an expression made leave the workspace, saying what to give', () => {
    const error = (() => {
      try {
        return resolveStepCwd(BASE, '../../etc');
      } catch (thrown) {
        return thrown;
      }
    })();
    expect(error).toBeInstanceOf(MiaError);
    expect(error).toMatchObject({
      code: 'MIA_CWD_OUTSIDE_WORKSPACE',
      message: `The working directory "../../etc" is outside the workspace (${BASE}).`,
      isRetriable: false,
    });
  });
});
