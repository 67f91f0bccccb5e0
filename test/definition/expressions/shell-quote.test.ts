import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type ExpressionContext,
  toShellSafeScript,
} from '../../../src/definition/expressions/evaluate.js';

function contextWith(value: string): ExpressionContext {
  return {
    inputs: { value },
    steps: { build: { outputs: { size: 42, meta: { ok: true } }, status: 'completed' } },
    env: {},
    run: { id: 'run-1' },
    workflow: { name: 'wf' },
  };
}

const shells = ['sh', 'bash'].filter((shell) => spawnSync(shell, ['-c', 'true']).status === 0);

let workdir: string;
beforeEach(() => {
  workdir = mkdtempSync(join(tmpdir(), 'mia-shell-quote-'));
});
afterEach(() => {
  rmSync(workdir, { recursive: true, force: true });
});

function runShell(shell: string, script: string, env: Record<string, string>) {
  return spawnSync(shell, ['-c', script], {
    cwd: workdir,
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
}

const HOSTILE_VALUES: [string, string][] = [
  ['a command substitution', '$(touch pwned)'],
  ['a double quote breakout', '"; touch pwned; echo "'],
  ['backticks', '`touch pwned`'],
  ['a single quote breakout', "'; touch pwned; echo '"],
  ['newlines and a here-document terminator', 'one\n$(touch pwned)\nEOF\ntouch pwned'],
  ['globs, variables and backslashes', '* $HOME ${PATH} \\ \\n'],
];

// Each script prints the value between < and >; X stands for the expression.
const POSITIONS: [string, string, string[]][] = [
  ['unquoted', "printf '<%s>\\n' X", shells],
  ['inside double quotes', 'printf \'%s\\n\' "<X>"', shells],
  ['inside single quotes', "printf '%s\\n' '<X>'", shells],
  ['inside $( ) within double quotes', "printf '%s\\n' \"<$(printf '%s' X)>\"", shells],
  ['inside backticks', "v=`printf '%s' X`; printf '<%s>\\n' \"$v\"", shells],
  ['in a here-document', 'cat <<EOF\n<X>\nEOF', shells],
  ['inside $( ) in a here-document', "cat <<EOF\n<$(printf '%s' X)>\nEOF", shells],
  ['after a comment with a quote', "# don't stop\nprintf '%s\\n' '<X>'", shells],
  ["inside $'…'", "printf '%s\\n' $'<X>'", shells.filter((shell) => shell === 'bash')],
];

const CASES = POSITIONS.flatMap(([position, template, positionShells]) =>
  positionShells.flatMap((shell) =>
    HOSTILE_VALUES.map(([label, value]) => ({ position, template, shell, label, value })),
  ),
);

describe('toShellSafeScript in a real shell', () => {
  it.each(CASES)(
    'prints $label literally and runs nothing when it stands $position ($shell)',
    ({ template, shell, value }) => {
      const { script, env } = toShellSafeScript(
        template.replace('X', '${{ inputs.value }}'),
        contextWith(value),
      );
      const result = runShell(shell, script, env);
      expect(result.stderr).toBe('');
      expect(result.stdout).toBe(`<${value}>\n`);
      expect(readdirSync(workdir)).toEqual([]);
    },
  );

  it.each(shells)('runs integer values inside arithmetic (%s)', (shell) => {
    const { script, env } = toShellSafeScript(
      'echo $((1 + ${{ steps.build.outputs.size }} + ${{ inputs.value }}))',
      contextWith('-5'),
    );
    expect(script).toBe('echo $((1 + ${MIA_EXPR_1} + ${MIA_EXPR_2}))');
    expect(runShell(shell, script, env).stdout).toBe('38\n');
  });
});

describe('toShellSafeScript', () => {
  it('quotes each reference for where it stands', () => {
    const { script, env } = toShellSafeScript(
      'echo ${{ inputs.value }} "in ${{ run.id }}" \'in ${{ workflow.name }}\'',
      contextWith('v'),
    );
    expect(script).toBe('echo "${MIA_EXPR_1}" "in ${MIA_EXPR_2}" \'in \'"${MIA_EXPR_3}"\'\'');
    expect(env).toEqual({ MIA_EXPR_1: 'v', MIA_EXPR_2: 'run-1', MIA_EXPR_3: 'wf' });
  });

  it('gives one variable to an expression used twice and honours a custom prefix', () => {
    const { script, env } = toShellSafeScript(
      'echo ${{ inputs.value }} ${{inputs.value}}',
      contextWith('x'),
      'STEP_',
    );
    expect(script).toBe('echo "${STEP_1}" "${STEP_1}"');
    expect(env).toEqual({ STEP_1: 'x' });
  });

  it('passes objects as JSON and null as an empty string', () => {
    const { env } = toShellSafeScript(
      'echo ${{ steps.build.outputs.meta }} ${{ inputs.missing }}',
      contextWith(''),
    );
    expect(env).toEqual({ MIA_EXPR_1: '{"ok":true}', MIA_EXPR_2: '' });
  });

  it('returns a script without expressions unchanged', () => {
    expect(toShellSafeScript('echo "$HOME" \'${x}\'', contextWith(''))).toEqual({
      script: 'echo "$HOME" \'${x}\'',
      env: {},
    });
  });

  it.each([
    ['after a backslash', 'echo \\${{ inputs.value }}', 'v', 'follows a backslash'],
    [
      'in a quoted here-document',
      "cat <<'EOF'\n${{ inputs.value }}\nEOF",
      'v',
      'quoted here-document',
    ],
    [
      'in arithmetic with a non-integer value',
      'echo $((1 + ${{ inputs.value }}))',
      'a[$(touch pwned)]',
      'not an integer',
    ],
    ['in an arithmetic command', '(( x = ${{ inputs.value }} ))', 'x', 'not an integer'],
    [
      "in bash's old arithmetic $[ ]",
      'echo $[ ${{ inputs.value }} + 1 ]',
      'a[$(touch pwned)]',
      'not an integer',
    ],
    [
      'in arithmetic inside a here-document',
      'cat <<EOF\n$(( ${{ inputs.value }} + 1 ))\nEOF',
      'a[$(touch pwned)]',
      'not an integer',
    ],
    [
      'quoted inside arithmetic, where bash still evaluates it',
      'echo $(( "${{ inputs.value }}" + 1 ))',
      'a[$(touch pwned)]',
      'not an integer',
    ],
    ['with a NUL character in its value', 'echo ${{ inputs.value }}', 'a\0b', 'NUL character'],
  ])('refuses an expression %s with MIA_EXPRESSION_SHELL', (_label, script, value, message) => {
    expect(() => toShellSafeScript(script, contextWith(value))).toThrow(
      expect.objectContaining({
        code: 'MIA_EXPRESSION_SHELL',
        message: expect.stringContaining(message),
      }),
    );
  });

  it('names the line of a refused expression', () => {
    expect(() => toShellSafeScript('true\necho \\${{ inputs.value }}', contextWith(''))).toThrow(
      /\$\{\{ inputs\.value \}\} on line 2 of the shell script/,
    );
  });

  it('refuses a prefix that cannot start an environment variable name', () => {
    expect(() => toShellSafeScript('echo', contextWith(''), '1-BAD')).toThrow(TypeError);
  });
});
