// Scenario 8: steps on workers (`--queue`) through a real redis-server on loopback: what a
// remote step of `true` adds over a local one (median, warm: checkout reused), and how 24 steps
// of `sleep 1` speed up with 1, 2 and 4 workers of concurrency 1 (run concurrency 8).

import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from '../lib/stats.mjs';
import { formatMs } from '../lib/table.mjs';

const MIA = fileURLToPath(new URL('../../bin/mia.js', import.meta.url));
const CHAIN = 40;
const TARGET_ADDED_MS = 5;
const TARGET_TWO = 1.8;
const TARGET_FOUR = 3.4;
const GIT_ENV = {
  GIT_AUTHOR_NAME: 'bench',
  GIT_AUTHOR_EMAIL: 'b@b',
  GIT_COMMITTER_NAME: 'bench',
  GIT_COMMITTER_EMAIL: 'b@b',
};

/** Latency `runs` times (local and remote in turn), throughput once per worker count. */
export async function measureQueue({ runs, progress }) {
  const port = await findFreePort();
  const redis = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const url = `redis://127.0.0.1:${port}`;
  const root = mkdtempSync(join(tmpdir(), 'mia-bench-queue-'));
  const workers = [];
  try {
    await waitForRedis(port);
    const repo = createRepository(root);
    const startWorkers = async (count) => {
      for (let i = workers.length; i < count; i++)
        workers.push(await startWorker(root, repo, url, i));
    };
    await startWorkers(1);
    // Warm-up: the worker makes its checkout of the commit once.
    runMia(repo, ['chain', '--queue', url]);
    const added = [];
    const localGaps = [];
    const remoteGaps = [];
    const means = { local: [], remote: [] };
    for (let i = 0; i < runs; i++) {
      const localAll = completionGaps(repo, runMia(repo, ['chain']));
      const remoteAll = completionGaps(repo, runMia(repo, ['chain', '--queue', url]));
      means.local.push(mean(localAll));
      means.remote.push(mean(remoteAll));
      const local = median(localAll);
      const remote = median(remoteAll);
      localGaps.push(local);
      remoteGaps.push(remote);
      added.push(remote - local);
      progress(
        `queue latency run ${i + 1}/${runs}: a step of true ${formatMs(local)} local, ${formatMs(remote)} remote`,
      );
    }
    const seconds = {};
    for (const count of [1, 2, 4]) {
      await startWorkers(count);
      const runId = runMia(repo, ['sleeps', '--queue', url, '--concurrency', '8']);
      seconds[count] = runDurationMs(repo, runId) / 1000;
      progress(`queue throughput with ${count} worker(s): ${seconds[count].toFixed(2)} s`);
    }
    const addedMs = median(added);
    const two = seconds[1] / seconds[2];
    const four = seconds[1] / seconds[4];
    return {
      samples: { added, localGaps, remoteGaps, means, seconds },
      rows: [
        {
          figure: `8. Queue: a remote step of \`true\` over a local one (loopback, warm, median per step; means ${median(means.local).toFixed(1)} / ${median(means.remote).toFixed(1)} ms)`,
          value: `+${addedMs.toFixed(1)} ms`,
          baseline: `${formatMs(median(localGaps))} (local step)`,
          target: `≤ +${TARGET_ADDED_MS} ms`,
          met: addedMs <= TARGET_ADDED_MS,
        },
        {
          figure: `8. Queue: 24 × sleep 1, 2 workers vs 1 (${seconds[1].toFixed(1)} s → ${seconds[2].toFixed(1)} s)`,
          value: `${two.toFixed(2)}× faster`,
          target: `≥ ${TARGET_TWO}×`,
          met: two >= TARGET_TWO,
        },
        {
          figure: `8. Queue: 24 × sleep 1, 4 workers vs 1 (${seconds[1].toFixed(1)} s → ${seconds[4].toFixed(1)} s)`,
          value: `${four.toFixed(2)}× faster`,
          target: `≥ ${TARGET_FOUR}×`,
          met: four >= TARGET_FOUR,
        },
      ],
    };
  } finally {
    await Promise.all(
      workers.map(
        (worker) => new Promise((resolve) => worker.once('exit', resolve).kill('SIGTERM')),
      ),
    );
    redis.kill('SIGKILL');
    rmSync(root, { recursive: true, force: true });
  }
}

function createRepository(root) {
  const repo = join(root, 'origin');
  mkdirSync(join(repo, '.mia/workflows'), { recursive: true });
  const chain = Array.from({ length: CHAIN }, (_, i) =>
    [
      `  - id: s${i}`,
      '    action: shell',
      ...(i > 0 ? [`    depends_on: [s${i - 1}]`] : []),
      '    with: { run: "true" }',
    ].join('\n'),
  );
  writeFileSync(
    join(repo, '.mia/workflows/chain.yaml'),
    `name: chain\nnarrative: "Back to back"\nsteps:\n${chain.join('\n')}\n`,
  );
  const sleeps = Array.from(
    { length: 24 },
    (_, i) => `  - id: z${i}\n    action: shell\n    with: { run: "sleep 1" }`,
  );
  writeFileSync(
    join(repo, '.mia/workflows/sleeps.yaml'),
    `name: sleeps\nnarrative: "Many at once"\nsteps:\n${sleeps.join('\n')}\n`,
  );
  writeFileSync(join(repo, '.gitignore'), '.mia/runs/\n');
  const git = (...args) =>
    execFileSync('git', args, { cwd: repo, env: { ...process.env, ...GIT_ENV }, stdio: 'ignore' });
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-qm', 'bench');
  return repo;
}

async function startWorker(root, repo, url, index) {
  const clone = join(root, `worker-${index}`);
  execFileSync('git', ['clone', '-q', repo, clone], { stdio: 'ignore' });
  const child = spawn(process.execPath, [MIA, 'worker', '--queue', url, '--concurrency', '1'], {
    cwd: clone,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => String(chunk).includes(' serving ') && resolve());
    child.once('exit', () => reject(new Error('mia worker exited')));
  });
  return child;
}

/** Runs `mia workflow run <args>` in `repo`; returns the run id. */
function runMia(repo, args) {
  const out = execFileSync(process.execPath, [MIA, 'workflow', 'run', ...args], {
    cwd: repo,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  return /^run (\S+)/m.exec(out)?.[1];
}

function readEvents(repo, runId) {
  return readFileSync(join(repo, '.mia/runs', runId, 'events.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

/** The time between one step's completion and the next's, in a chain: what a step costs. */
function completionGaps(repo, runId) {
  const times = readEvents(repo, runId)
    .filter((event) => event.type === 'workflow.step.completed')
    .map((event) => Date.parse(event.timestamp));
  return times.slice(1).map((time, i) => time - times[i]);
}

function runDurationMs(repo, runId) {
  const events = readEvents(repo, runId);
  const at = (type) => Date.parse(events.find((event) => event.type === type).timestamp);
  return at('workflow.completed') - at('workflow.started');
}

async function findFreePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitForRedis(port) {
  for (let i = 0; i < 200; i++) {
    try {
      if (
        execFileSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).trim() ===
        'PONG'
      )
        return;
    } catch {
      // Not up yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`redis-server did not start on port ${port}`);
}

function mean(values) {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}
