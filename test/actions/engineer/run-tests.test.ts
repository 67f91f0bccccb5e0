// The run-tests action runs real test runners in temp workspaces and reads their summaries.

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runTestsAction } from '../../../src/actions/engineer/run-tests.js';
import { MiaError } from '../../../src/errors.js';
import { createTestContext } from '../../helpers/action-context.js';
import { describeActionContract } from '../contract.js';
import { runInWorkspace, writeFiles } from './run-in-workspace.js';

const VITEST_BIN = fileURLToPath(
  new URL('../../../node_modules/vitest/vitest.mjs', import.meta.url),
);
const HAS_PYTEST = spawnSync('python3', ['-m', 'pytest', '--version']).status === 0;
// CI installs pytest (.ci/run); there, a missing pytest is a failure, not a skip.
if (process.env.CI && !HAS_PYTEST) {
  throw new Error(
    'pytest is missing: .ci/run installs python3-pytest; run it, or apt-get install python3-pytest',
  );
}

const NODE_TESTS = `import test from 'node:test';
import assert from 'node:assert';
test('adds numbers', () => assert.equal(1 + 1, 2));
test('parses dates', () => assert.equal(new Date(0).getTime(), 1));
test('later', { skip: true }, () => {});
`;
const PASSING_NODE_TESTS = `import test from 'node:test';
test('adds numbers', () => {});
test('later', { skip: true }, () => {});
`;

function runTests(files: Record<string, string>, withValue: Record<string, unknown>) {
  return runInWorkspace(runTestsAction, files, withValue, { stepId: 'test' });
}

describeActionContract({
  adapter: runTestsAction,
  validWith: [{}, { command: 'npx vitest run' }, { command: 'pytest -q', cwd: 'py' }],
  invalidWith: [{ command: '' }, { command: 42 }, { cmd: 'npm test' }, { cwd: 1 }],
  success: {
    with: { command: 'node --test' },
    setup: (workdir) => writeFiles(workdir, { 'ok.test.mjs': PASSING_NODE_TESTS }),
  },
  failure: {
    with: { command: 'node --test' },
    setup: (workdir) => writeFiles(workdir, { 'math.test.mjs': NODE_TESTS }),
  },
  abortable: { with: { command: 'sleep 30' } },
});

describe('the run-tests action', () => {
  it('reports the counts of a passing node:test run', async () => {
    const { outputs } = await runTests(
      { 'ok.test.mjs': PASSING_NODE_TESTS },
      { command: 'node --test' },
    );
    expect(outputs).toEqual({
      passed: 1,
      failed: 0,
      skipped: 1,
      total: 2,
      runner: 'node:test',
      failedTests: [],
      failedFiles: [],
      exitCode: 0,
    });
  });

  it('fails a node:test run with a failing test, naming it and pointing at the step log', async () => {
    const { ctx, error } = await runTests(
      { 'math.test.mjs': NODE_TESTS },
      { command: 'node --test' },
    );
    expect(error).toBeInstanceOf(MiaError);
    expect(error?.code).toBe('MIA_TESTS_FAILED');
    expect(error?.message).toBe('1 test failed: parses dates');
    expect(error?.hint).toContain('step log');
    expect(error?.outputs).toEqual({
      passed: 1,
      failed: 1,
      skipped: 1,
      total: 3,
      runner: 'node:test',
      failedTests: ['parses dates'],
      failedFiles: [],
      exitCode: 1,
    });
    // The step log holds the runner's own report: TAP off a terminal up to Node 22, spec since.
    expect(ctx.written.stdout).toMatch(/^(not ok 2 - |✖ )parses dates/m);
  });

  it('runs `npm test` when package.json has a test script', async () => {
    const packageJson = JSON.stringify({
      name: 'tmp',
      private: true,
      scripts: { test: 'node --test' },
    });
    const { outputs } = await runTests(
      { 'package.json': packageJson, 'ok.test.mjs': PASSING_NODE_TESTS },
      {},
    );
    expect(outputs).toMatchObject({ runner: 'node:test', passed: 1, skipped: 1, exitCode: 0 });
  });

  it.each<{ title: string; files: Record<string, string>; says: string }>([
    { title: 'there is no package.json', files: {}, says: 'there is no' },
    {
      title: 'package.json has no test script',
      files: { 'package.json': '{"name":"tmp"}' },
      says: 'has no `test` script (found none)',
    },
    {
      title: "package.json's test script is npm's placeholder",
      files: {
        'package.json': JSON.stringify({
          scripts: { test: 'echo "Error: no test specified" && exit 1' },
        }),
      },
      says: "found only npm's placeholder",
    },
  ])('asks for with.command when $title', async ({ files, says }) => {
    const { error } = await runTests(files, {});
    expect(error).toBeInstanceOf(MiaError);
    expect(error?.code).toBe('MIA_TESTS_NO_COMMAND');
    expect(error?.message).toContain(says);
    expect(error?.hint).toContain('with.command');
  });

  it('reads a TAP stream printed by a script, in `cwd`', async () => {
    const script =
      'console.log("TAP version 13\\n1..3\\nok 1 - adds\\nok 2 - waits # SKIP slow\\nok 3 - reads")';
    const { outputs } = await runTests(
      { 'tools/tap.mjs': script },
      { command: 'node tap.mjs', cwd: 'tools' },
    );
    expect(outputs).toEqual({
      passed: 2,
      failed: 0,
      skipped: 1,
      total: 3,
      runner: 'tap',
      failedTests: [],
      failedFiles: [],
      exitCode: 0,
    });
  });

  it('hands expression values to the command as environment variables', async () => {
    const ctx = await createTestContext({
      with: { command: 'node --test "$MIA_EXPR_1"' },
      expressionEnv: { MIA_EXPR_1: 'only.test.mjs' },
    });
    await writeFiles(ctx.workdir, {
      'only.test.mjs': PASSING_NODE_TESTS,
      'math.test.mjs': NODE_TESTS,
    });
    const result = await runTestsAction.run(ctx);
    expect(result?.outputs).toMatchObject({ passed: 1, failed: 0 });
  });

  it('runs vitest in a temp project and names its failing tests', async () => {
    const { outputs, error } = await runTests(
      {
        'vitest.config.mjs': "export default { test: { include: ['*.test.mjs'] } };",
        'math.test.mjs': `import { expect, test } from 'vitest';
test('adds numbers', () => expect(1 + 1).toBe(2));
test('parses dates', () => expect(new Date(0).getTime()).toBe(1));
test.skip('later', () => {});
`,
      },
      { command: `node ${VITEST_BIN} run` },
    );
    expect(outputs).toBeUndefined();
    expect(error?.code).toBe('MIA_TESTS_FAILED');
    expect(error?.message).toBe('1 test failed: math.test.mjs > parses dates');
  });

  it.skipIf(!HAS_PYTEST)('runs pytest and names its failing tests', async () => {
    const { error } = await runTests(
      {
        'test_math.py': `import pytest
def test_adds():
    assert 1 + 1 == 2
def test_parses():
    assert 1 == 2
def test_reads():
    assert 2 == 3
@pytest.mark.skip(reason="later")
def test_later():
    pass
`,
      },
      { command: 'python3 -m pytest -p no:cacheprovider test_math.py' },
    );
    expect(error?.code).toBe('MIA_TESTS_FAILED');
    expect(error?.message).toBe(
      '2 tests failed: test_math.py::test_parses, test_math.py::test_reads',
    );
  });

  it('fails when the runner reports failures even though the command exited with 0', async () => {
    const { error } = await runTests(
      {},
      { command: "echo 'Tests:       1 failed, 2 passed, 3 total'" },
    );
    expect(error?.code).toBe('MIA_TESTS_FAILED');
    expect(error?.message).toBe('1 test failed.');
  });

  it('fails with the last line of output when the command fails without a summary', async () => {
    const { error } = await runTests(
      {},
      { command: 'echo compiling; echo "tsc: 2 errors" >&2; exit 3' },
    );
    expect(error?.code).toBe('MIA_TESTS_FAILED');
    expect(error?.message).toBe('The test command exited with 3: tsc: 2 errors');
  });

  it('succeeds without counts when the runner prints no known summary', async () => {
    const { outputs } = await runTests({}, { command: 'echo all good' });
    expect(outputs).toEqual({ runner: 'unknown', failedTests: [], failedFiles: [], exitCode: 0 });
  });

  it('rejects with the abort reason when stopped', async () => {
    const controller = new AbortController();
    const ctx = await createTestContext({
      with: { command: 'sleep 30' },
      signal: controller.signal,
    });
    const running = runTestsAction.run(ctx);
    const reason = new Error('step timed out');
    setTimeout(() => controller.abort(reason), 100);
    await expect(running).rejects.toBe(reason);
  });
});
