// Scenario 6: start-up of `mia --version` and `mia workflow ls` against a bare `node -e ""`.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTrial } from '../lib/child.mjs';
import { median } from '../lib/stats.mjs';
import { formatMs } from '../lib/table.mjs';

const MIA = fileURLToPath(new URL('../../bin/mia.js', import.meta.url));
const TARGET_RATIO = 3;

/** Spawns each command `runs` times in turn (in an empty workspace); compares medians. */
export async function measureStartup({ runs, progress }) {
  const workspace = mkdtempSync(join(tmpdir(), 'mia-bench-'));
  const commands = {
    node: ['-e', ''],
    version: [MIA, '--version'],
    ls: [MIA, 'workflow', 'ls'],
  };
  const samples = { node: [], version: [], ls: [] };
  let loaded;
  let loadedByVersion;
  try {
    for (let i = 0; i < runs; i++) {
      for (const [name, args] of Object.entries(commands)) {
        samples[name].push(timeCommand(args, workspace));
      }
    }
    loaded = await runTrial('loaded-modules', ['workflow', 'ls'], { cwd: workspace });
    loadedByVersion = await runTrial('loaded-modules', ['--version'], { cwd: workspace });
  } finally {
    rmSync(workspace, { recursive: true, force: true });
  }
  const node = median(samples.node);
  const version = median(samples.version);
  const ls = median(samples.ls);
  progress(`start-up: node ${formatMs(node)}, --version ${formatMs(version)}, ls ${formatMs(ls)}`);
  return {
    samples: { ...samples, modules: { ls: loaded.heavy, version: loadedByVersion.heavy } },
    rows: [
      {
        figure: '6. Start-up: `mia workflow ls` vs `node -e ""`',
        value: formatMs(ls),
        baseline: `${formatMs(node)} (node)`,
        ratio: ls / node,
        target: `≤ ${TARGET_RATIO}×`,
        met: ls / node <= TARGET_RATIO,
      },
      {
        figure: '6. Start-up: `mia --version` vs `node -e ""`',
        value: formatMs(version),
        baseline: `${formatMs(node)} (node)`,
        ratio: version / node,
      },
      {
        figure: '6. Heavy modules loaded by `workflow ls` / `--version`',
        value: `${loaded.heavy.join(', ') || 'none'} / ${loadedByVersion.heavy.join(', ') || 'none'}`,
        target: 'only what the command needs',
      },
    ],
  };
}

function timeCommand(args, cwd) {
  const start = performance.now();
  const result = spawnSync(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const ms = performance.now() - start;
  if (result.status !== 0) {
    throw new Error(`node ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  }
  return ms;
}
