// Trial: the 500-step shell DAG run by the engine, by a bare Node loop, or by make -j.
// Usage: node shell-dag.mjs <engine|node|node-loaded|make> <layers> <width> <concurrency>

import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chooseDefaultShell, findProgram } from '../../dist/actions/engineer/script.js';
import { report } from '../lib/child.mjs';
import { buildLayeredDag, writeWorkflowWorkspace } from '../lib/dag.mjs';

/**
 * What the engine spawns for a step of `true` in its default shell (bash --noprofile --norc
 * -eo pipefail <file>, else sh -e <file>): the baselines spawn exactly that, like with like.
 */
const SHELL_ARGS = { bash: ['--noprofile', '--norc', '-eo', 'pipefail'], sh: ['-e'] };
const shell = chooseDefaultShell(process.env.PATH);
const shellPath = findProgram(shell, process.env.PATH);

const [mode, layers, width, concurrency] = process.argv.slice(2);
const steps = buildLayeredDag({ layers: Number(layers), width: Number(width) });
const limit = Number(concurrency);
const workspace = writeWorkflowWorkspace({
  name: 'shell-dag',
  steps,
  concurrency: limit,
  stepBody: () => ({ action: 'shell', with: { run: 'true' } }),
});
const scriptFile = join(workspace, 'step.sh');
writeFileSync(scriptFile, 'true');
const command = [shellPath, ...SHELL_ARGS[shell], scriptFile];

let ms;
if (mode === 'engine') {
  const { runWorkflowInProcess } = await import('../lib/engine.mjs');
  const result = await runWorkflowInProcess(workspace, 'shell-dag');
  if (result.status !== 'completed') throw new Error(`the run ${result.status}`);
  ms = result.runMs;
} else if (mode === 'node') {
  ms = await runBareLoop(steps, limit);
} else if (mode === 'node-loaded') {
  // The same loop in a process as large as the engine's (its modules and the loaded definition):
  // fork() copies the page tables, so a larger process spawns more slowly.
  const { loadWorkflowInProcess } = await import('../lib/engine.mjs');
  const keep = await loadWorkflowInProcess(workspace, 'shell-dag');
  ms = await runBareLoop(steps, limit);
  if (keep.steps.length !== steps.length) throw new Error('the definition was not loaded');
} else if (mode === 'make') {
  ms = await runMake(steps, limit, workspace);
} else {
  throw new Error(`unknown mode ${mode}`);
}
rmSync(workspace, { recursive: true, force: true });
report({ ms, shell });

/** Eager scheduling, as the engine does: a step starts once its dependencies have exited. */
async function runBareLoop(dag, max) {
  const start = performance.now();
  const remaining = new Map(dag.map((step) => [step.id, step.dependsOn.length]));
  const dependents = new Map(dag.map((step) => [step.id, []]));
  for (const step of dag) for (const dep of step.dependsOn) dependents.get(dep).push(step.id);
  const ready = dag.filter((step) => step.dependsOn.length === 0).map((step) => step.id);
  let running = 0;
  let done = 0;
  await new Promise((resolve, reject) => {
    const pump = () => {
      while (running < max && ready.length > 0) {
        const id = ready.shift();
        running++;
        const child = spawn(command[0], command.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
        child.stdout.resume();
        child.stderr.resume();
        child.on('error', reject);
        child.on('close', (code) => {
          if (code !== 0) reject(new Error(`${id} exited with ${code}`));
          running--;
          done++;
          for (const next of dependents.get(id)) {
            const left = remaining.get(next) - 1;
            remaining.set(next, left);
            if (left === 0) ready.push(next);
          }
          if (done === dag.length) resolve();
          else pump();
        });
      }
    };
    pump();
  });
  return performance.now() - start;
}

/** The same DAG as a Makefile of phony targets whose recipe is the engine's shell command. */
async function runMake(dag, max, dir) {
  const lines = [`.PHONY: all ${dag.map((step) => step.id).join(' ')}`];
  lines.push(`all: ${dag.map((step) => step.id).join(' ')}`);
  for (const step of dag)
    lines.push(`${step.id}: ${step.dependsOn.join(' ')}`, `\t@${command.join(' ')}`);
  const makefile = join(dir, 'Makefile');
  writeFileSync(makefile, `${lines.join('\n')}\n`);
  const start = performance.now();
  await new Promise((resolve, reject) => {
    const child = spawn('make', ['-s', `-j${max}`, '-f', makefile], { stdio: 'inherit' });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`make exited ${code}`)),
    );
  });
  return performance.now() - start;
}
