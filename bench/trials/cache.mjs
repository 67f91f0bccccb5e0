// Trial: a step of `sleep 1` with `cache:` run by the real CLI, then run again: reused.
// Usage: node cache.mjs
// Reports, for each run, the step's time in the engine (from `workflow.started` to the step's
// `workflow.step.completed`: fingerprint, lookup and restore for the hit; the script for the miss)
// and the whole CLI process's wall time.

import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { report } from '../lib/child.mjs';

const MIA = fileURLToPath(new URL('../../bin/mia.js', import.meta.url));
const workspace = mkdtempSync(join(tmpdir(), 'mia-bench-cache-'));
mkdirSync(join(workspace, '.mia/workflows'), { recursive: true });
mkdirSync(join(workspace, 'src'));
// Inputs and outputs of a realistic size: 50 source files, a 1 MiB build output.
for (let i = 0; i < 50; i++) writeFileSync(join(workspace, `src/f${i}.txt`), `${i}\n`.repeat(200));
writeFileSync(
  join(workspace, '.mia/workflows/cached.yaml'),
  [
    'name: cached',
    'narrative: "A slow step is paid for once"',
    'steps:',
    '  - id: slow',
    '    action: shell',
    '    with: { run: "sleep 1; mkdir -p dist; head -c 1048576 /dev/zero > dist/out.bin" }',
    '    cache: { inputs: ["src/**"], outputs: ["dist/**"], key: "bench" }',
    '',
  ].join('\n'),
);

function runOnce() {
  const started = performance.now();
  const out = execFileSync(process.execPath, [MIA, 'workflow', 'run', 'cached'], {
    cwd: workspace,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  const wallMs = performance.now() - started;
  const runId = /^run (\S+)$/m.exec(out)?.[1];
  const events = readFileSync(join(workspace, '.mia/runs', runId, 'events.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
  const begin = Date.parse(events.find((e) => e.type === 'workflow.started').timestamp);
  const done = events.find((e) => e.type === 'workflow.step.completed');
  return {
    stepMs: Date.parse(done.timestamp) - begin,
    wallMs,
    hit: done.payload.cache?.hit === true,
  };
}

const miss = runOnce();
rmSync(join(workspace, 'dist'), { recursive: true });
const hit = runOnce();
rmSync(workspace, { recursive: true, force: true });
if (miss.hit || !hit.hit)
  throw new Error(`expected a miss then a hit, got ${miss.hit}, ${hit.hit}`);
report({ miss, hit });
