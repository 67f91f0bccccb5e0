// The contract every step executor keeps, run through the engine as a run uses it: each
// implementation's test file calls describeStepExecutorContract in a few lines (hono's
// common.case.test.ts pattern). Steps are `shell` steps in a committed git workspace; files the
// steps share with the test live in a temp folder outside it, so that an executor that runs
// steps in a checkout of its own (a worker) passes the same suite.

import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createBuiltinRegistry } from '../../../src/actions/builtin.js';
import type { ActionRegistry } from '../../../src/actions/registry.js';
import { loadWorkflow } from '../../../src/definition/load.js';
import { runChapter } from '../../../src/engine/chapters.js';
import type { StepExecutor } from '../../../src/engine/executors/step-executor.js';
import { executeRun } from '../../../src/engine/lifecycle/execute-run.js';
import { startRun } from '../../../src/engine/lifecycle/start-run.js';
import type { ExecuteResult } from '../../../src/engine/settled.js';
import type { EventOf, EventType, MiaEvent } from '../../../src/events/types.js';
import { getStepLogPath } from '../../../src/store/paths.js';
import { isProcessAlive, waitUntil } from '../../helpers/processes.js';
import { commitFile, initRepository } from '../../helpers/temp-git-repo.js';

/** An executor as its test file makes it, with what ends it. */
export interface ExecutorUnderTest {
  executor: StepExecutor;
  /** Ends what the executor started (workers, connections), after each test. */
  close?(): Promise<void>;
}

/** A secret of the engine's process: whatever a step prints of it is masked on the way back. */
const SECRET_NAME = 'MIA_CONTRACT_SECRET_TOKEN';
const SECRET = 'contract-s3cr3t-9f8e7d';

/** A run of one workflow through the executor under test. */
interface ContractRun {
  /** Every event published from the first step on. */
  events: MiaEvent[];
  /** The step ids whose attempts the executor under test ran, with their attempt numbers. */
  attempts: string[];
  workspace: string;
  runId: string;
  /** Aborts the run (SIGINT). */
  interrupt(): void;
  done: Promise<ExecuteResult>;
}

/**
 * Declares the executor contract for `name`: `create` is called for each test with the registry
 * of the engine's process (the built-in actions) and the test's workspace (a committed git
 * repository, which a worker clones).
 */
export function describeStepExecutorContract(
  name: string,
  create: (setup: {
    registry: ActionRegistry;
    workspace: string;
  }) => ExecutorUnderTest | Promise<ExecutorUnderTest>,
): void {
  describe(`the step executor contract: ${name}`, () => {
    const cleanups: Array<() => Promise<void>> = [];
    let shared = '';

    beforeAll(() => {
      // Before the first event of the file: the engine's masker reads the environment once.
      process.env[SECRET_NAME] = SECRET;
    });

    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });

    /** Starts a run of `steps` (YAML lines) in a fresh committed workspace. */
    const start = async (steps: string[]): Promise<ContractRun> => {
      const workspace = await initRepository();
      shared = await mkdtemp(join(tmpdir(), 'mia-contract-'));
      cleanups.push(() => rm(workspace, { recursive: true, force: true }));
      cleanups.push(() => rm(shared, { recursive: true, force: true }));
      await mkdir(join(workspace, '.mia/workflows'), { recursive: true });
      await mkdir(join(workspace, 'sub'), { recursive: true });
      await commitFile(workspace, 'sub/marker.txt', 'here\n');
      const yaml = [
        'name: contract',
        'narrative: "The contract holds"',
        'inputs: { shared: { required: true } }',
        'steps:',
        ...steps,
      ];
      await commitFile(workspace, '.mia/workflows/contract.yaml', `${yaml.join('\n')}\n`);
      const registry = createBuiltinRegistry();
      const underTest = await create({ registry, workspace });
      if (underTest.close) cleanups.push(underTest.close);
      const attempts: string[] = [];
      const spy: StepExecutor = {
        name: underTest.executor.name,
        ...(underTest.executor.announcesStart ? { announcesStart: true } : {}),
        accepts: (step) => underTest.executor.accepts(step),
        runAttempt: (step, context) => {
          attempts.push(`${step.id}#${context.attempt}`);
          return underTest.executor.runAttempt(step, context);
        },
      };
      const loaded = await loadWorkflow('contract', { workspace, registry });
      const inputs = { shared };
      const handle = await startRun({ workspace, loaded, inputs, concurrency: undefined });
      const events: MiaEvent[] = [];
      handle.events.subscribe((event) => events.push(event));
      const controller = new AbortController();
      const done = executeRun(handle, {
        registry,
        runChapter,
        executors: [spy],
        signal: controller.signal,
      });
      const interrupt = () => controller.abort('SIGINT');
      return { events, attempts, workspace, runId: handle.runId, interrupt, done };
    };

    /**
     * A shell step, its script in a block; its environment names the shared folder ($SHARED).
     * `extra`: more keys of the step; `withExtra`: more keys of its `with`.
     */
    const step = (id: string, script: string, extra: string[] = [], withExtra: string[] = []) => [
      `  - id: ${id}`,
      '    action: shell',
      '    env: { SHARED: "${{ inputs.shared }}", GREETING: hello }',
      ...extra.map((line) => `    ${line}`),
      '    with:',
      ...withExtra.map((line) => `      ${line}`),
      '      run: |',
      ...script.split('\n').map((line) => `        ${line}`),
    ];

    /** The pid the step's background child wrote to the shared folder. */
    const readChildPid = async (): Promise<number> => {
      const path = join(shared, 'pid');
      const read = async () => Number((await readFile(path, 'utf8').catch(() => '')).trim());
      expect(await waitUntil(async () => (await read()) > 0)).toBe(true);
      return read();
    };

    it('completes a step with its outputs, which a dependent step reads', async () => {
      const run = await start([
        ...step('produce', 'echo "answer=42" >> "$MIA_OUTPUT"\necho produced'),
        ...step('consume', 'echo "got ${{ steps.produce.outputs.answer }}"', [
          'depends_on: [produce]',
        ]),
      ]);
      expect(await run.done).toMatchObject({ status: 'completed', failedSteps: [] });
      expect(run.attempts).toEqual(['produce#1', 'consume#1']);
      expect(completedOf(run, 'produce')?.payload.outputs).toEqual({
        answer: '42',
        exitCode: 0,
        stdout: 'produced',
      });
      expect(completedOf(run, 'consume')?.payload.outputs).toMatchObject({ stdout: 'got 42' });
    });

    it('fails a step with its error and exit code, and keeps what it produced', async () => {
      const run = await start([
        ...step('fail', 'echo "partial=yes" >> "$MIA_OUTPUT"\necho "it broke" >&2\nexit 3'),
        ...step('after', 'echo never', ['depends_on: [fail]']),
      ]);
      expect(await run.done).toMatchObject({
        status: 'failed',
        failedSteps: ['fail'],
        outputs: { fail: { partial: 'yes', exitCode: 3 } },
      });
      expect(run.attempts).toEqual(['fail#1']);
      const failed = ofType(run, 'workflow.step.failed', 'fail')[0];
      expect(failed?.payload.error).toMatchObject({
        code: 'MIA_SHELL_FAILED',
        message: 'The command exited with 3: it broke',
      });
      expect(failed?.payload.outputs).toMatchObject({ partial: 'yes', exitCode: 3 });
      expect(ofType(run, 'workflow.step.skipped', 'after')).toHaveLength(1);
    });

    it('reports a step killed by a signal as such, with no exit code', async () => {
      const run = await start(step('killed', 'kill -KILL $$'));
      expect((await run.done).status).toBe('failed');
      const failed = ofType(run, 'workflow.step.failed', 'killed')[0];
      expect(failed?.payload.error.message).toBe('The command was killed by SIGKILL.');
      expect(failed?.payload.outputs).toMatchObject({ exitCode: null });
    });

    it('streams output while the step runs, every line in order, to events and the log file', async () => {
      const script = [
        'echo ready',
        'while [ ! -e "$SHARED/go" ]; do sleep 0.02; done',
        'i=1; while [ $i -le 300 ]; do echo "out $i"; echo "err $i" >&2; i=$((i+1)); done',
      ].join('\n');
      const run = await start(step('talk', script));
      // The first line arrives while the step still waits: output is not held to the end.
      expect(await waitUntil(() => logTextOf(run, 'talk', 'stdout').includes('ready\n'))).toBe(
        true,
      );
      await writeFile(join(shared, 'go'), '');
      expect((await run.done).status).toBe('completed');
      const lines = (n: string) => Array.from({ length: 300 }, (_, i) => `${n} ${i + 1}\n`);
      expect(logTextOf(run, 'talk', 'stdout')).toBe(`ready\n${lines('out').join('')}`);
      expect(logTextOf(run, 'talk', 'stderr')).toBe(lines('err').join(''));
      const file = await readFile(getStepLogPath(run.workspace, run.runId, 'talk'), 'utf8');
      expect(file.split('\n').filter((line) => line.startsWith('out '))).toEqual(
        lines('out').map((line) => line.trimEnd()),
      );
    });

    it('stops a step and its whole process tree when the run is interrupted', async () => {
      const run = await start(step('long', backgroundChild()));
      const pid = await readChildPid();
      run.interrupt();
      expect((await run.done).status).toBe('interrupted');
      expect(await waitUntil(() => !isProcessAlive(pid))).toBe(true);
      expect(ofType(run, 'workflow.step.failed', 'long')[0]?.payload.interrupted).toBe(true);
    });

    it('stops a step and its whole process tree at the timeout the engine keeps', async () => {
      const run = await start(step('slow', backgroundChild(), ['timeout: 1500ms']));
      const pid = await readChildPid();
      expect(await run.done).toMatchObject({ status: 'failed', failedSteps: ['slow'] });
      expect(await waitUntil(() => !isProcessAlive(pid))).toBe(true);
      expect(ofType(run, 'workflow.step.failed', 'slow')[0]?.payload.error).toMatchObject({
        code: 'MIA_STEP_TIMEOUT',
        message: 'Step "slow" timed out after 1500ms.',
      });
    });

    it('runs each attempt the engine retries, once per attempt', async () => {
      const script = [
        'n=$(cat "$SHARED/count" 2>/dev/null || echo 0); n=$((n+1)); echo $n > "$SHARED/count"',
        '[ $n -ge 2 ] || { echo "attempt $n fails" >&2; exit 1; }',
        'echo "attempt=$n" >> "$MIA_OUTPUT"',
      ].join('\n');
      const run = await start(step('flaky', script, ['retry: { attempts: 3, delay: 10ms }']));
      expect((await run.done).status).toBe('completed');
      expect(run.attempts).toEqual(['flaky#1', 'flaky#2']);
      expect(ofType(run, 'workflow.step.retrying', 'flaky')).toHaveLength(1);
      expect(completedOf(run, 'flaky')?.payload).toMatchObject({
        attempt: 2,
        outputs: { attempt: '2' },
      });
    });

    it('masks the secrets of the engine process in everything the step prints', async () => {
      const run = await start(step('leak', `echo "the token is ${SECRET}"\necho "${SECRET}" >&2`));
      expect((await run.done).status).toBe('completed');
      expect(logTextOf(run, 'leak', 'stdout')).toBe('the token is ***\n');
      expect(logTextOf(run, 'leak', 'stderr')).toBe('***\n');
      const file = await readFile(getStepLogPath(run.workspace, run.runId, 'leak'), 'utf8');
      expect(file).not.toContain(SECRET);
      expect(JSON.stringify(run.events)).not.toContain(SECRET);
    });

    it('bounds what a step prints in events and outputs, while its log file keeps all of it', async () => {
      // 1.5 MiB of output: past the 1 MiB the events of an attempt carry.
      const script = 'head -c 1572864 /dev/zero | tr "\\0" "x" | fold -w 1023';
      const run = await start(step('loud', script));
      expect((await run.done).status).toBe('completed');
      const carried = logTextOf(run, 'loud', 'stdout');
      expect(Buffer.byteLength(carried)).toBeLessThanOrEqual(1024 * 1024);
      const notes = ofType(run, 'workflow.step.log', 'loud').filter((e) => e.payload.truncated);
      expect(notes.length).toBeGreaterThan(0);
      const file = await readFile(getStepLogPath(run.workspace, run.runId, 'loud'), 'utf8');
      expect(file.replace(/[^x]/g, '')).toHaveLength(1572864);
      const stdout = completedOf(run, 'loud')?.payload.outputs.stdout;
      expect(String(stdout).length).toBeLessThanOrEqual(64 * 1024);
    });

    it('runs a step in its cwd, with its env and the run variables', async () => {
      const script = [
        'test -f marker.txt && echo "in $(basename "$PWD")"',
        'echo "$GREETING from $MIA_STEP_ID of $MIA_WORKFLOW"',
        'echo "run=$MIA_RUN_ID" >> "$MIA_OUTPUT"',
      ].join('\n');
      const run = await start(step('where', script, [], ['cwd: sub']));
      expect((await run.done).status).toBe('completed');
      expect(completedOf(run, 'where')?.payload.outputs).toMatchObject({
        stdout: 'in sub\nhello from where of contract',
        run: run.runId,
      });
    });
  });

  /** A script that starts a background child, records its pid, then waits for it. */
  function backgroundChild(): string {
    return 'sleep 300 &\necho $! > "$SHARED/pid"\necho started\nwait';
  }
}

function ofType<T extends EventType>(run: ContractRun, type: T, stepId: string): EventOf<T>[] {
  return run.events.filter(
    (e): e is EventOf<T> => e.type === type && (e.payload as { stepId?: string }).stepId === stepId,
  );
}

function completedOf(run: ContractRun, stepId: string) {
  return ofType(run, 'workflow.step.completed', stepId)[0];
}

/** What the step's log events carried of one stream, notes of the engine left out. */
function logTextOf(run: ContractRun, stepId: string, stream: 'stdout' | 'stderr'): string {
  return ofType(run, 'workflow.step.log', stepId)
    .filter((e) => e.payload.stream === stream && !e.payload.truncated)
    .map((e) => e.payload.text)
    .join('');
}
