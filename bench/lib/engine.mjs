// Runs a workflow through the engine in this process, as the CLI would (less the terminal).

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBuiltinRegistry } from '../../dist/actions/builtin.js';
import { DEFAULT_RETRY, hashStep, loadWorkflow } from '../../dist/definition/load.js';
import { planWorkflow } from '../../dist/definition/loaded-workflow.js';
import { runChapter } from '../../dist/engine/chapters.js';
import { executeRun } from '../../dist/engine/lifecycle/execute-run.js';
import { startRun } from '../../dist/engine/lifecycle/start-run.js';

/**
 * Loads workflow `name` of `workspace` (YAML, every check, which plans it too), then starts and
 * executes a run. Returns the run's result with `loadMs` (the definition) and `runMs`
 * (startRun + executeRun).
 */
export async function runWorkflowInProcess(workspace, name) {
  const registry = createBuiltinRegistry();
  const loadStart = performance.now();
  const loaded = await loadWorkflow(name, { workspace, registry });
  const loadMs = performance.now() - loadStart;
  return { ...(await timeRun(workspace, () => loaded, registry)), loadMs };
}

/** Loads and checks workflow `name` of `workspace` as the CLI does, without running it. */
export async function loadWorkflowInProcess(workspace, name) {
  return (await loadWorkflow(name, { workspace, registry: createBuiltinRegistry() })).workflow;
}

/**
 * Starts and executes a run of a resolved workflow built in memory; `runMs` is planning it,
 * startRun and executeRun (the engine planned such a workflow during the run before the loader
 * handed plans on).
 */
export function runResolved(workspace, workflow, registry = createBuiltinRegistry()) {
  return timeRun(workspace, () => planWorkflow(workflow), registry);
}

async function timeRun(workspace, getLoaded, registry) {
  const runStart = performance.now();
  const loaded = getLoaded();
  const handle = await startRun({ workspace, loaded, inputs: {}, concurrency: undefined });
  const signal = new AbortController().signal;
  const result = await executeRun(handle, { registry, runChapter, signal });
  const runMs = performance.now() - runStart;
  return { runId: handle.runId, status: result.status, runMs };
}

/**
 * The resolved workflow loadWorkflow would return for these steps, built in memory: workflow
 * files are limited to 1 MiB, too small for 50,000 steps. Returns it with a fresh workspace.
 */
export function buildResolvedWorkflow({ name, steps, concurrency, stepBody }) {
  const workspace = mkdtempSync(join(tmpdir(), 'mia-bench-'));
  const registry = createBuiltinRegistry();
  const resolved = steps.map((step) => {
    const body = stepBody(step);
    const what = {
      action: body.action,
      universe: registry.get(body.action).universes[0],
      with: body.with,
      env: {},
      when: undefined,
      timeoutMs: undefined,
      retry: { ...DEFAULT_RETRY },
      continueOnError: false,
    };
    return {
      ...what,
      id: step.id,
      beat: undefined,
      tension: undefined,
      dependsOn: step.dependsOn,
      hash: hashStep(what),
      position: undefined,
    };
  });
  const workflow = {
    name,
    narrative: 'The benchmark runs to its end',
    description: undefined,
    inputs: {},
    concurrency,
    steps: resolved,
    source: { kind: 'workspace', path: join(workspace, '.mia', 'workflows', `${name}.yaml`) },
    extends: undefined,
  };
  return { workspace, workflow };
}
