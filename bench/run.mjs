// `npm run bench`: measures mia-workflow against the floor of this machine, in one run.
// Usage: node bench/run.mjs [--quick] [scenario...]   (scenarios: shell in-process makespan
// resume fan-out startup cache; default: all). Prints the table and writes bench/results.json.

import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { formatTable } from './lib/table.mjs';
import { measureCache } from './scenarios/cache.mjs';
import { measureFanOut } from './scenarios/fan-out.mjs';
import { measureInProcess } from './scenarios/in-process.mjs';
import { measureMakespan } from './scenarios/makespan.mjs';
import { measureResume } from './scenarios/resume.mjs';
import { measureShellDag } from './scenarios/shell-dag.mjs';
import { measureStartup } from './scenarios/startup.mjs';

/** Each scenario with how many times it runs (fewer with --quick). */
const SCENARIOS = {
  shell: { measure: measureShellDag, runs: 5, quickRuns: 1 },
  'in-process': { measure: measureInProcess, runs: 3, quickRuns: 1 },
  makespan: { measure: measureMakespan, runs: 5, quickRuns: 1 },
  resume: { measure: measureResume, runs: 3, quickRuns: 1 },
  'fan-out': { measure: measureFanOut, runs: 3, quickRuns: 1 },
  startup: { measure: measureStartup, runs: 15, quickRuns: 3 },
  cache: { measure: measureCache, runs: 5, quickRuns: 1 },
};

const args = process.argv.slice(2);
const isQuick = args.includes('--quick');
const chosen = args.filter((arg) => !arg.startsWith('--'));
for (const name of chosen) {
  if (!(name in SCENARIOS)) {
    console.error(`Unknown scenario "${name}". Known: ${Object.keys(SCENARIOS).join(', ')}.`);
    process.exit(2);
  }
}

const started = performance.now();
const machine = describeMachine();
console.error(
  `mia-workflow benchmarks on ${machine.cpuModel} (${machine.nproc} cores), Node ${machine.node}, load ${machine.loadAverage.join(' ')}`,
);
const rows = [];
const raw = {};
for (const [name, scenario] of Object.entries(SCENARIOS)) {
  if (chosen.length > 0 && !chosen.includes(name)) continue;
  const runs = isQuick ? scenario.quickRuns : scenario.runs;
  const result = await scenario.measure({
    runs,
    progress: (text) => console.error(`  ${text}`),
  });
  rows.push(...result.rows);
  raw[name] = { runs, samples: result.samples };
}

const table = formatTable(rows);
console.log(`\n${table}\n`);
const totalSeconds = (performance.now() - started) / 1000;
console.error(
  `done in ${totalSeconds.toFixed(0)} s; load average now ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
writeFileSync(
  fileURLToPath(new URL('results.json', import.meta.url)),
  `${JSON.stringify({ date: new Date().toISOString(), machine, quick: isQuick, rows, table, raw }, null, 2)}\n`,
);

function describeMachine() {
  const cpuModel = cpus()[0]?.model ?? 'unknown CPU';
  let nproc = cpus().length;
  try {
    nproc = Number(execFileSync('nproc', { encoding: 'utf8' }).trim());
  } catch {
    // No nproc: the CPU count Node sees.
  }
  return {
    nproc,
    cpuModel,
    node: process.version,
    loadAverage: loadavg().map((l) => Number(l.toFixed(2))),
  };
}
