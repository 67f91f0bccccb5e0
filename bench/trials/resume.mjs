// Trial: a 10,000-step run fails at one step; `mia workflow resume` (the real CLI) restarts it.
// Usage: node resume.mjs <steps> [edited]
// Reports the time from spawning the CLI to the failed step's `workflow.step.started` event.
// `edited`: a comment is added to the workflow file before the resume, so the run's recorded
// definition no longer matches and the file is loaded and checked in full.

import { spawn } from 'node:child_process';
import { appendFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { report } from '../lib/child.mjs';
import { buildLayeredDag, writeWorkflowWorkspace } from '../lib/dag.mjs';
import { runWorkflowInProcess } from '../lib/engine.mjs';

const MIA = fileURLToPath(new URL('../../bin/mia.js', import.meta.url));
const count = Number(process.argv[2]);
const isEdited = process.argv[3] === 'edited';
const layers = 10;
const steps = buildLayeredDag({ layers, width: count / layers });
// A step in the middle layer fails until a file exists: the tension the user fixes, then resumes.
const failing = steps[Math.floor(count / 2)].id;
const workspace = writeWorkflowWorkspace({
  name: 'resume-dag',
  steps,
  concurrency: undefined,
  stepBody: (step) =>
    step.id === failing
      ? { action: 'shell', with: { run: 'test -f fixed' } }
      : { action: 'wait', with: { for: '0s' } },
});
let first;
try {
  first = await runWorkflowInProcess(workspace, 'resume-dag');
} catch (error) {
  // A definition this large may be refused by the loader's limits: say so instead of measuring.
  if (error.code !== 'MIA_DEFINITION_INVALID' || !Array.isArray(error.problems)) throw error;
  rmSync(workspace, { recursive: true, force: true });
  report({ steps: count, refused: error.problems[0]?.message ?? error.message });
  process.exit(0);
}
if (first.status !== 'failed') throw new Error(`the first run ${first.status}, not failed`);
writeFileSync(join(workspace, 'fixed'), '');
if (isEdited) {
  appendFileSync(join(workspace, '.mia/workflows/resume-dag.yaml'), '# edited before the resume\n');
}

const { restartMs, totalMs } = await timeResume(first.runId);
rmSync(workspace, { recursive: true, force: true });
report({ steps: count, failing, restartMs, totalMs });

/** Spawns `mia workflow resume <id> --json` and watches its events for the failed step's start. */
function timeResume(runId) {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    let restartMs;
    const child = spawn(process.execPath, [MIA, 'workflow', 'resume', runId, '--json'], {
      cwd: workspace,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let buffered = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop();
      for (const line of lines) {
        if (restartMs !== undefined || !line.includes('"workflow.step.started"')) continue;
        const event = JSON.parse(line);
        if (event.payload.stepId === failing) restartMs = performance.now() - start;
      }
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`mia workflow resume exited ${code}`));
      else if (restartMs === undefined) reject(new Error(`${failing} never restarted`));
      else resolve({ restartMs, totalMs: performance.now() - start });
    });
  });
}
