// run-tests reads what the real runners print (run here, not recorded), including a test file that
// fails to load: the counts never claim "0 failed", and the tension names the file.

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runTestsAction } from '../../../src/actions/engineer/run-tests.js';
import { runInWorkspace } from './run-in-workspace.js';

const bin = (path: string) =>
  fileURLToPath(new URL(`../../../node_modules/${path}`, import.meta.url));
const NODE_MODULES = bin('');
const VITEST = `node ${bin('vitest/vitest.mjs')} run`;
const JEST = `node ${bin('jest/bin/jest.js')} --rootDir .`;
const MOCHA = `node ${bin('mocha/bin/mocha.js')}`;
const TAPE = `node ${bin('tape/bin/tape')}`;

const BROKEN = 'export const x = ;\n';
const BROKEN_CJS = 'const x = ;\n';

/** A suite of one passing test, two failing ones (one nested two suites deep), a skip and a todo. */
const NODE_SUITE = `import { describe, it, test } from 'node:test';
import assert from 'node:assert';
test('adds', () => assert.equal(1 + 1, 2));
describe('math', () => {
  it('parses dates', () => assert.equal(new Date(0).getTime(), 1));
  it('subtracts', () => assert.equal(2 - 1, 1));
  describe('deep', () => { it('multiplies', () => assert.equal(2 * 2, 5)); });
});
test('later', { skip: true }, () => {});
test('someday', { todo: true }, () => {});
`;

const VITEST_SUITE = `import { describe, expect, it, test } from 'vitest';
test('adds', () => expect(1 + 1).toBe(2));
describe('math', () => {
  it('parses dates', () => expect(new Date(0).getTime()).toBe(1));
  it('subtracts', () => expect(2 - 1).toBe(1));
});
test.skip('later', () => {});
test.todo('someday');
`;

const JEST_SUITE = `test('adds', () => expect(1 + 1).toBe(2));
describe('math', () => {
  it('parses dates', () => expect(new Date(0).getTime()).toBe(1));
  it('subtracts', () => expect(2 - 1).toBe(1));
});
test.skip('later', () => {});
test.todo('someday');
`;

const MOCHA_SUITE = `const assert = require('node:assert');
it('adds', () => assert.equal(1 + 1, 2));
describe('math', () => {
  it('parses dates', () => assert.equal(new Date(0).getTime(), 1));
  it('subtracts', () => assert.equal(2 - 1, 1));
  describe('deep', () => { it('multiplies', () => assert.equal(2 * 2, 5)); });
});
it.skip('later', () => {});
`;

const PYTEST_SUITE = `import pytest
def test_adds():
    assert 1 + 1 == 2
class TestMath:
    def test_subtracts(self):
        assert 2 - 1 == 0
def test_parses_dates():
    assert 0 == 1
@pytest.mark.skip(reason="later")
def test_later():
    pass
`;

function runTests(files: Record<string, string>, command: string) {
  return runInWorkspace(
    runTestsAction,
    files,
    { command },
    {
      stepId: 'test',
      env: { ...process.env, NODE_PATH: NODE_MODULES } as Record<string, string>,
    },
  );
}

describe('run-tests with the real runners', () => {
  it('reads vitest, and names the files that failed to load', async () => {
    const { error } = await runTests(
      {
        'vitest.config.mjs': "export default { test: { include: ['*.test.mjs'] } };",
        'a.test.mjs': VITEST_SUITE,
        'broken.test.mjs': BROKEN,
        'missing.test.mjs': "import './nowhere.mjs';\n",
      },
      VITEST,
    );
    expect(error?.outputs).toEqual({
      passed: 2,
      failed: 3,
      skipped: 2,
      total: 7,
      runner: 'vitest',
      failedTests: ['a.test.mjs > math > parses dates'],
      failedFiles: ['broken.test.mjs', 'missing.test.mjs'],
      exitCode: 1,
    });
    expect(error?.message).toBe(
      '2 test files failed to load: broken.test.mjs, missing.test.mjs; 1 test failed: a.test.mjs > math > parses dates',
    );
  });

  it('counts the tests of every runner a command runs, not only the first one it recognises', async () => {
    const { outputs, error } = await runTests(
      {
        'vitest.config.mjs': "export default { test: { include: ['*.vi.test.mjs'] } };",
        'a.vi.test.mjs':
          "import { test } from 'vitest';\ntest('v1', () => {});\ntest('v2', () => {});\n",
        'b.node.mjs':
          "import test from 'node:test';\nfor (const n of [1, 2, 3]) test(`n${n}`, () => {});\n",
        'c.mocha.cjs': "it('m1', () => {});\n",
      },
      `node --test b.node.mjs && ${VITEST} && ${MOCHA} c.mocha.cjs`,
    );
    expect(error).toBeUndefined();
    expect(outputs).toMatchObject({
      passed: 6,
      failed: 0,
      total: 6,
      runner: 'vitest + mocha + node:test',
    });
  });

  it('never says vitest passed when its only file failed to load', async () => {
    const { error } = await runTests(
      {
        'vitest.config.mjs': "export default { test: { include: ['*.test.mjs'] } };",
        'broken.test.mjs': BROKEN,
      },
      VITEST,
    );
    expect(error?.outputs).toMatchObject({ passed: 0, failed: 1, total: 1 });
    expect(error?.message).toBe('1 test file failed to load: broken.test.mjs');
  });

  it('counts a vitest suite whose hook failed as a failure, though vitest counts its tests skipped', async () => {
    const { error } = await runTests(
      {
        'vitest.config.mjs': "export default { test: { include: ['*.test.mjs'] } };",
        'a.test.mjs': `import { beforeAll, describe, expect, it } from 'vitest';
describe('math', () => {
  beforeAll(() => { throw new Error('setup broke'); });
  it('adds', () => expect(1).toBe(1));
});
it('outside', () => expect(1).toBe(1));
`,
      },
      VITEST,
    );
    expect(error?.outputs).toMatchObject({ passed: 1, failed: 1, skipped: 1, total: 3 });
    expect(error?.message).toBe('1 test failed: a.test.mjs > math');
  });

  it('reads jest, and names the suites that failed to run', async () => {
    const { error } = await runTests(
      {
        'package.json': '{"name":"j","private":true}',
        'a.test.js': JEST_SUITE,
        'broken.test.js': BROKEN_CJS,
        'missing.test.js': "require('./nowhere');\n",
      },
      JEST,
    );
    expect(error?.outputs).toEqual({
      passed: 2,
      failed: 3,
      skipped: 2,
      total: 7,
      runner: 'jest',
      failedTests: ['math › parses dates'],
      failedFiles: expect.arrayContaining(['./broken.test.js', './missing.test.js']),
      exitCode: 1,
    });
    expect(error?.message).toMatch(
      /^2 test files failed to load: \.\/(broken|missing)\.test\.js, \.\/(broken|missing)\.test\.js; 1 test failed: math › parses dates$/,
    );
  });

  it.each([
    ['spec', 'node --test --test-reporter=spec'],
    ['TAP', 'node --test --test-reporter=tap'],
  ])(
    'reads node:test (%s reporter), nested suites and files that failed to load',
    async (_r, command) => {
      const { ctx, error } = await runTests(
        { 'a.test.mjs': NODE_SUITE, 'broken.test.mjs': BROKEN },
        command,
      );
      // Node 20 names the file by its absolute path, Node 22 and later from where the tests ran.
      const broken =
        Number(process.versions.node.split('.')[0]) >= 22
          ? 'broken.test.mjs'
          : `${ctx.workdir}/broken.test.mjs`;
      expect(error?.outputs).toEqual({
        passed: 2,
        failed: 3,
        skipped: 2,
        total: 7,
        runner: 'node:test',
        failedTests: ['parses dates', 'multiplies'],
        failedFiles: [broken],
        exitCode: 1,
      });
      expect(error?.message).toBe(
        `1 test file failed to load: ${broken}; 2 tests failed: parses dates, multiplies`,
      );
    },
  );

  it('counts the tests of a TAP 14 stream with subtests, not its suites', async () => {
    // node:test's TAP reporter writes TAP 14 subtests; without its closing `# pass`/`# fail`
    // comments the stream is read as any TAP producer's.
    const { error } = await runTests(
      { 'a.test.mjs': NODE_SUITE },
      "node --test --test-reporter=tap | grep -Ev '^# (tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) '; exit 1",
    );
    expect(error?.outputs).toEqual({
      passed: 2,
      failed: 2,
      skipped: 2,
      total: 6,
      runner: 'tap',
      failedTests: ['parses dates', 'multiplies'],
      failedFiles: [],
      exitCode: 1,
    });
  });

  it('reads tape, and says which file failed to load when tape prints no TAP at all', async () => {
    const suite = `const test = require('tape');
test('adds', (t) => { t.equal(1 + 1, 2); t.end(); });
test('math', (t) => {
  t.test('parses dates', (st) => { st.equal(new Date(0).getTime(), 1); st.end(); });
  t.end();
});
`;
    const passing = await runTests({ 'a.test.js': suite }, `${TAPE} a.test.js`);
    expect(passing.error?.outputs).toMatchObject({ passed: 1, failed: 1, runner: 'tap' });
    const { ctx, error } = await runTests(
      { 'a.test.js': suite, 'broken.test.js': BROKEN_CJS },
      `${TAPE} broken.test.js a.test.js`,
    );
    expect(error?.outputs).toEqual({
      runner: 'unknown',
      failedTests: [],
      failedFiles: [`${ctx.workdir}/broken.test.js`],
      exitCode: 1,
    });
    expect(error?.message).toBe(
      `The test command exited with 1: a file failed to load: ${ctx.workdir}/broken.test.js (SyntaxError: Unexpected token ';')`,
    );
  });

  it('reads mocha, with nested suites', async () => {
    const { error } = await runTests({ 'a.test.js': MOCHA_SUITE }, `${MOCHA} a.test.js`);
    expect(error?.outputs).toEqual({
      passed: 2,
      failed: 2,
      skipped: 1,
      total: 5,
      runner: 'mocha',
      failedTests: ['math > parses dates', 'math > deep > multiplies'],
      failedFiles: [],
      exitCode: 2,
    });
  });

  it.each([
    ['a syntax error', BROKEN_CJS, (dir: string) => `${dir}/broken.test.js`],
    ['a missing import', "require('./nowhere');\n", (dir: string) => `${dir}/broken.test.js`],
  ])('says mocha stopped on a file with %s, never that nothing failed', async (_t, text, file) => {
    const { ctx, error } = await runTests(
      { 'a.test.js': MOCHA_SUITE, 'broken.test.js': text },
      `${MOCHA} '*.test.js'`,
    );
    expect(error?.outputs).toEqual({
      passed: 0,
      failed: 1,
      skipped: 0,
      total: 1,
      runner: 'mocha',
      failedTests: [],
      failedFiles: [file(ctx.workdir)],
      exitCode: 1,
    });
    expect(error?.message).toBe(`1 test file failed to load: ${file(ctx.workdir)}`);
  });

  it('reads pytest, and names the modules that failed to collect', async () => {
    if (spawnSync('python3', ['-m', 'pytest', '--version']).status !== 0) {
      throw new Error(
        'pytest is missing: .ci/run installs python3-pytest (apt-get install python3-pytest)',
      );
    }
    const pytest = 'python3 -m pytest -p no:cacheprovider';
    const passing = await runTests({ 'test_a.py': PYTEST_SUITE }, pytest);
    expect(passing.error?.outputs).toEqual({
      passed: 1,
      failed: 2,
      skipped: 1,
      total: 4,
      runner: 'pytest',
      failedTests: ['test_a.py::TestMath::test_subtracts', 'test_a.py::test_parses_dates'],
      failedFiles: [],
      exitCode: 1,
    });
    const { error } = await runTests(
      {
        'test_a.py': PYTEST_SUITE,
        'test_broken.py': 'x = (\n',
        'test_missing.py': 'import nowhere_module\n',
      },
      pytest,
    );
    expect(error?.outputs).toEqual({
      passed: 0,
      failed: 2,
      skipped: 0,
      total: 2,
      runner: 'pytest',
      failedTests: [],
      failedFiles: ['test_broken.py', 'test_missing.py'],
      exitCode: 2,
    });
    expect(error?.message).toBe('2 test files failed to load: test_broken.py, test_missing.py');
  });
});
