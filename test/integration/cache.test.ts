// The step cache through the CLI: a step whose fingerprint is unchanged is reused and its files
// restored; any change runs it; a broken entry runs it and heals; --no-cache; mia cache show|clear.

import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createWorkspace, runMia } from '../helpers/cli.js';
import { eventsFor, parseRunId, readMarkers, readRunEvents } from '../helpers/run-files.js';

/** A build step that counts its runs in runs.log and writes dist/ (text and binary) from src/. */
function workflow(options: { key?: string } = {}): string {
  return [
    'name: build',
    'narrative: "Builds are reused when nothing changed"',
    'inputs:',
    '  flavor: { default: plain }',
    'steps:',
    '  - id: build',
    '    action: shell',
    '    beat: "The build is ready"',
    '    with:',
    '      run: "sh build.sh ${{ inputs.flavor }}"',
    '    cache:',
    '      inputs: ["src/**"]',
    '      outputs: ["dist/**"]',
    `      key: "${options.key ?? 'v1'}"`,
    '  - id: use',
    '    action: shell',
    '    depends_on: [build]',
    '    with: { run: "cat dist/app.txt" }',
    '',
  ].join('\n');
}

const BUILD_SCRIPT = [
  'echo run >> runs.log',
  'mkdir -p dist',
  'cat src/*.txt > dist/app.txt',
  "printf '\\000\\377binary' > dist/app.bin",
  'chmod 751 dist/app.bin',
  'echo "$1"',
  '',
].join('\n');

async function setUp(options: { key?: string } = {}): Promise<string> {
  const ws = await createWorkspace({ build: workflow(options) });
  await mkdir(join(ws, 'src'));
  await writeFile(join(ws, 'src/a.txt'), 'alpha\n');
  await writeFile(join(ws, 'build.sh'), BUILD_SCRIPT);
  return ws;
}

async function run(ws: string, ...args: string[]) {
  const result = await runMia(['workflow', 'run', 'build', ...args], { cwd: ws });
  expect(result.exitCode, result.stderr + result.stdout).toBe(0);
  const runId = parseRunId(result.stdout);
  const events = await readRunEvents(ws, runId);
  const completed = eventsFor(events, 'workflow.step.completed', 'build')[0];
  return { ...result, runId, events, cache: completed?.payload.cache as Record<string, unknown> };
}

describe('the step cache', () => {
  it('reuses an unchanged step: it does not run, its outputs and files come back, and it says from which run', async () => {
    const ws = await setUp();
    const first = await run(ws);
    expect(first.cache).toMatchObject({ hit: false });
    const binary = await readFile(join(ws, 'dist/app.bin'));
    const second = await run(ws);
    expect(await readMarkers(join(ws, 'runs.log'))).toHaveLength(1);
    expect(second.cache).toEqual({
      hit: true,
      fingerprint: first.cache.fingerprint,
      from: first.runId,
    });
    expect(eventsFor(second.events, 'workflow.step.started', 'build')).toHaveLength(0);
    const [reused] = eventsFor(second.events, 'workflow.step.completed', 'build');
    expect(reused?.payload.outputs).toEqual(
      eventsFor(first.events, 'workflow.step.completed', 'build')[0]?.payload.outputs,
    );
    expect((await readFile(join(ws, 'dist/app.bin'))).equals(binary)).toBe(true);
    expect(second.stdout).toContain(`build reused from run ${first.runId}`);
    const story = await runMia(['workflow', 'story', second.runId], { cwd: ws });
    expect(story.stdout).toContain(
      `The build is ready (reused from run ${first.runId}, not run again)`,
    );
    const status = await runMia(['workflow', 'status', second.runId], { cwd: ws });
    expect(status.stdout).toMatch(new RegExp(`completed +build .*reused from run ${first.runId}`));
  });

  it('restores an output file deleted from the workspace, byte for byte and with its mode', async () => {
    const ws = await setUp();
    await run(ws);
    const binary = await readFile(join(ws, 'dist/app.bin'));
    await rm(join(ws, 'dist'), { recursive: true });
    const second = await run(ws);
    expect(second.cache).toMatchObject({ hit: true });
    expect(await readMarkers(join(ws, 'runs.log'))).toHaveLength(1);
    expect((await readFile(join(ws, 'dist/app.bin'))).equals(binary)).toBe(true);
    expect((await stat(join(ws, 'dist/app.bin'))).mode & 0o777).toBe(0o751);
    expect(await readFile(join(ws, 'dist/app.txt'), 'utf8')).toBe('alpha\n');
  });

  it.each<[string, (ws: string) => Promise<unknown>, string[]]>([
    ['an input file changed', (ws) => writeFile(join(ws, 'src/a.txt'), 'beta\n'), []],
    ['an input file was added', (ws) => writeFile(join(ws, 'src/b.txt'), 'more\n'), []],
    ['an input file became executable', (ws) => chmod(join(ws, 'src/a.txt'), 0o755), []],
    ['`with` changed (through an input)', async () => undefined, ['--input', 'flavor=spicy']],
    [
      'the key changed',
      (ws) => writeFile(join(ws, '.mia/workflows/build.yaml'), workflow({ key: 'v2' })),
      [],
    ],
  ])('runs the step again when %s', async (_what, change, args) => {
    const ws = await setUp();
    const first = await run(ws);
    await change(ws);
    const second = await run(ws, ...args);
    expect(second.cache).toMatchObject({ hit: false });
    expect(second.cache.fingerprint).not.toBe(first.cache.fingerprint);
    expect(await readMarkers(join(ws, 'runs.log'))).toHaveLength(2);
  });

  it.each<[string, (entry: string) => Promise<unknown>]>([
    ['lost its files', (entry) => rm(join(entry, 'files'), { recursive: true })],
    ['is corrupt', (entry) => writeFile(join(entry, 'entry.json'), '{"v": 1, "fingerp')],
    ['is partial (no manifest)', (entry) => rm(join(entry, 'entry.json'))],
  ])('runs a step whose entry %s, and heals the entry', async (_what, damage) => {
    const ws = await setUp();
    const first = await run(ws);
    const entry = join(ws, '.mia/cache', String(first.cache.fingerprint));
    await damage(entry);
    const shown = JSON.parse((await runMia(['cache', 'show', '--json'], { cwd: ws })).stdout);
    expect(shown.entries).toMatchObject([{ kind: 'broken', name: first.cache.fingerprint }]);
    await rm(join(ws, 'dist'), { recursive: true });
    const second = await run(ws);
    expect(second.cache).toMatchObject({ hit: false, fingerprint: first.cache.fingerprint });
    expect(await readMarkers(join(ws, 'runs.log'))).toHaveLength(2);
    const third = await run(ws);
    expect(third.cache).toEqual({
      hit: true,
      fingerprint: first.cache.fingerprint,
      from: second.runId,
    });
    expect(await readMarkers(join(ws, 'runs.log'))).toHaveLength(2);
  });

  it('runs every step with --no-cache, and neither reads nor writes the cache', async () => {
    const ws = await setUp();
    const first = await run(ws, '--no-cache');
    expect(first.cache).toBeUndefined();
    expect(existsSync(join(ws, '.mia/cache'))).toBe(false);
    await run(ws);
    const third = await run(ws, '--no-cache');
    expect(third.cache).toBeUndefined();
    expect(await readMarkers(join(ws, 'runs.log'))).toHaveLength(3);
  });

  it('reuses a step when its run is resumed with the cache, and runs it with --no-cache', async () => {
    const ws = await setUp();
    const first = await run(ws);
    const again = await runMia(['workflow', 'resume', first.runId, '--from', 'build'], { cwd: ws });
    expect(again.exitCode, again.stderr).toBe(0);
    expect(await readMarkers(join(ws, 'runs.log'))).toHaveLength(1);
    const forced = await runMia(
      ['workflow', 'resume', first.runId, '--from', 'build', '--no-cache'],
      {
        cwd: ws,
      },
    );
    expect(forced.exitCode, forced.stderr).toBe(0);
    expect(await readMarkers(join(ws, 'runs.log'))).toHaveLength(2);
  });

  it('never caches outputs that hold a secret of the environment: the step runs every time', async () => {
    const ws = await createWorkspace({
      leak: [
        'name: leak',
        'narrative: "Secrets stay out of the cache"',
        'steps:',
        '  - id: leak',
        '    action: shell',
        '    with: { run: "echo run >> runs.log; echo $DEPLOY_TOKEN" }',
        '    cache: { key: "v1" }',
        '',
      ].join('\n'),
    });
    const env = { DEPLOY_TOKEN: 'hunter2-very-secret' };
    for (let i = 0; i < 2; i++) {
      const result = await runMia(['workflow', 'run', 'leak'], { cwd: ws, env });
      expect(result.exitCode, result.stderr).toBe(0);
    }
    expect(await readMarkers(join(ws, 'runs.log'))).toHaveLength(2);
    const log = await readFile(
      join(ws, '.mia/runs', (await readdir(join(ws, '.mia/runs')))[0] ?? '', 'logs/leak.log'),
      'utf8',
    );
    expect(log).toContain('not cached: its outputs hold a secret');
    expect(await readdir(join(ws, '.mia/cache')).catch(() => [])).toEqual([]);
  });

  it('lists entries with their sizes and total, and clears them (older ones only with --older-than)', async () => {
    const ws = await setUp();
    const first = await run(ws);
    const shown = await runMia(['cache', 'show'], { cwd: ws });
    expect(shown.exitCode).toBe(0);
    expect(shown.stdout).toContain(`build/build from run ${first.runId}, 2 file(s)`);
    expect(shown.stdout).toMatch(/1 entry, [\d.]+ (B|KiB) in total/);
    const json = JSON.parse((await runMia(['cache', 'show', '--json'], { cwd: ws })).stdout);
    expect(json.entries).toHaveLength(1);
    expect(json.entries[0]).toMatchObject({ kind: 'entry', runId: first.runId, files: 2 });
    expect(json.totalBytes).toBeGreaterThan(0);
    const kept = await runMia(['cache', 'clear', '--older-than', '7d'], { cwd: ws });
    expect(kept.stdout).toContain('Removed 0 cache folder(s) older than');
    expect(await readdir(join(ws, '.mia/cache'))).toHaveLength(1);
    const cleared = await runMia(['cache', 'clear'], { cwd: ws });
    expect(cleared.exitCode).toBe(0);
    expect(cleared.stdout).toContain('Removed 1 cache folder(s)');
    expect(await readdir(join(ws, '.mia/cache'))).toHaveLength(0);
    expect((await runMia(['cache', 'show'], { cwd: ws })).stdout).toContain(
      'The step cache is empty',
    );
    const bad = await runMia(['cache', 'clear', '--older-than', 'soon'], { cwd: ws });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('--older-than "soon" is not a duration');
  });
});

describe('the step cache and matrices', () => {
  function matrixWorkflow(versions: string[]): string {
    return [
      'name: legs',
      'narrative: "Each leg is reused on its own"',
      'steps:',
      '  - id: test',
      '    action: shell',
      `    strategy: { matrix: { node: [${versions.map((v) => `"${v}"`).join(', ')}] } }`,
      '    with: { run: "echo ${{ matrix.node }} >> legs.log; mkdir -p out; echo ${{ matrix.node }} > out/${{ matrix.node }}.txt" }',
      '    cache: { outputs: ["out/**"], key: "node-${{ matrix.node }}" }',
      '',
    ].join('\n');
  }

  it('reuses each leg by its own values, and runs only a leg whose value changed', async () => {
    const ws = await createWorkspace({ legs: matrixWorkflow(['20', '22']) });
    const runLegs = async () => {
      const result = await runMia(['workflow', 'run', 'legs'], { cwd: ws });
      expect(result.exitCode, result.stderr + result.stdout).toBe(0);
      const events = await readRunEvents(ws, parseRunId(result.stdout));
      return Object.fromEntries(
        eventsFor(events, 'workflow.step.completed')
          .filter((event) => String(event.payload.stepId).startsWith('test('))
          .map((event) => [event.payload.stepId, (event.payload.cache as { hit: boolean }).hit]),
      );
    };
    expect(await runLegs()).toEqual({ 'test(20)': false, 'test(22)': false });
    await rm(join(ws, 'out'), { recursive: true });
    expect(await runLegs()).toEqual({ 'test(20)': true, 'test(22)': true });
    expect((await readdir(join(ws, 'out'))).sort()).toEqual(['20.txt', '22.txt']);
    await writeFile(join(ws, '.mia/workflows/legs.yaml'), matrixWorkflow(['20', '24']));
    expect(await runLegs()).toEqual({ 'test(20)': true, 'test(24)': false });
    expect((await readMarkers(join(ws, 'legs.log'))).sort()).toEqual(['20', '22', '24']);
  });
});
