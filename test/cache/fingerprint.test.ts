// Fingerprints: equal when the step would do the same work, different for any part that changes it.

import { chmod, mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  computeFingerprint,
  describeInputFiles,
  type FingerprintParts,
} from '../../src/cache/fingerprint.js';
import { fingerprintStep } from '../../src/cache/step-cache.js';
import type { ResolvedStep } from '../../src/definition/types.js';
import { makeResolvedStep } from '../helpers/resolved-workflow.js';

const BASE: FingerprintParts = {
  definition: {
    action: 'shell',
    universe: 'engineer',
    with: { run: 'make' },
    env: {},
    shell: 'bash',
  },
  inputs: ['src/**'],
  outputs: ['dist/**'],
  files: [{ path: 'src/a.c', kind: 'file', mode: 0o644, size: 3, sha256: 'a'.repeat(64) }],
  key: 'v1',
};

describe('computeFingerprint', () => {
  it.each<[string, Partial<FingerprintParts>]>([
    ['a changed `with`', { definition: { ...BASE.definition, with: { run: 'make all' } } }],
    ['another action', { definition: { ...BASE.definition, action: 'run-tests' } }],
    ['a changed env value', { definition: { ...BASE.definition, env: { CC: 'clang' } } }],
    ['another shell', { definition: { ...BASE.definition, shell: 'sh' } }],
    ['a matrix value', { matrix: { node: '22' } }],
    ['another key', { key: 'v2' }],
    ['another input glob', { inputs: ['lib/**'] }],
    ['another output glob', { outputs: ['build/**'] }],
    [
      'an input file whose contents changed',
      { files: [{ path: 'src/a.c', kind: 'file', mode: 0o644, size: 3, sha256: 'b'.repeat(64) }] },
    ],
    [
      'an input file whose mode changed',
      { files: [{ path: 'src/a.c', kind: 'file', mode: 0o755, size: 3, sha256: 'a'.repeat(64) }] },
    ],
    [
      'an input file renamed',
      { files: [{ path: 'src/b.c', kind: 'file', mode: 0o644, size: 3, sha256: 'a'.repeat(64) }] },
    ],
    [
      'an input file added',
      { files: [...BASE.files, { path: 'src/l', kind: 'link', target: 'a.c' }] },
    ],
    ['no input file', { files: [] }],
  ])('changes with %s', (_what, change) => {
    expect(computeFingerprint({ ...BASE, ...change })).not.toBe(computeFingerprint(BASE));
  });

  it.each<[string, Partial<FingerprintParts>]>([
    [
      'keys written in another order',
      {
        definition: {
          shell: 'bash',
          env: {},
          with: { run: 'make' },
          universe: 'engineer',
          action: 'shell',
        },
      },
    ],
    ['an undefined matrix (a step that is no leg)', { matrix: undefined }],
  ])('stays the same with %s', (_what, change) => {
    expect(computeFingerprint({ ...BASE, ...change })).toBe(computeFingerprint(BASE));
  });

  it('tells legs apart by each of their matrix values', () => {
    const legs = [
      { node: '20', os: 'linux' },
      { node: '22', os: 'linux' },
      { node: '20', os: 'mac' },
    ];
    const prints = new Set(legs.map((matrix) => computeFingerprint({ ...BASE, matrix })));
    expect(prints.size).toBe(3);
  });

  it('is 64 hex characters (a folder name of .mia/cache/)', () => {
    expect(computeFingerprint(BASE)).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('describeInputFiles', () => {
  it('hashes the matched files in path order, links by their target, never .git nor .mia', async () => {
    const ws = await mkdtemp(join(tmpdir(), 'mia-fp-'));
    await mkdir(join(ws, 'src/deep'), { recursive: true });
    await mkdir(join(ws, '.git'), { recursive: true });
    await mkdir(join(ws, '.mia/cache'), { recursive: true });
    await writeFile(join(ws, 'src/b.txt'), 'b');
    await writeFile(join(ws, 'src/deep/a.txt'), 'a');
    await chmod(join(ws, 'src/b.txt'), 0o755);
    await symlink('b.txt', join(ws, 'src/link'));
    await writeFile(join(ws, '.git/HEAD'), 'x');
    await writeFile(join(ws, '.mia/cache/x'), 'x');
    const facts = await describeInputFiles(ws, ['src/**', '**/HEAD', '.mia/**']);
    expect(facts.map((fact) => fact.path)).toEqual(['src/b.txt', 'src/deep/a.txt', 'src/link']);
    expect(facts[0]).toMatchObject({ kind: 'file', mode: 0o755, size: 1 });
    expect(facts[2]).toEqual({ path: 'src/link', kind: 'link', target: 'b.txt' });
  });

  it('reads nothing through a folder link that leads out of the workspace', async () => {
    const outside = await mkdtemp(join(tmpdir(), 'mia-outside-'));
    await mkdir(join(outside, 'sub'));
    await writeFile(join(outside, 'sub/secret.txt'), 'outside');
    const ws = await mkdtemp(join(tmpdir(), 'mia-fp-'));
    await symlink(outside, join(ws, 'out'));
    const patterns = ['out/sub/secret.txt', 'out/sub/**', 'out/**'];
    expect(await describeInputFiles(ws, patterns)).toEqual([]);
    // Named itself, the link counts as a link: by its target, never by what it leads to.
    expect(await describeInputFiles(ws, ['out'])).toEqual([
      { path: 'out', kind: 'link', target: outside },
    ]);
  });

  it('matches nothing outside the workspace, even through a pattern that climbs out', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'mia-fp-'));
    const ws = join(parent, 'ws');
    await mkdir(ws);
    await writeFile(join(parent, 'secret.txt'), 'outside');
    expect(await describeInputFiles(ws, ['../*.txt', '../**'])).toEqual([]);
  });
});

describe('fingerprintStep', () => {
  const context = {
    inputs: {},
    steps: {},
    env: { NODE: '22' },
    run: { id: 'run-1' },
    workflow: { name: 'w' },
  };
  const input = {
    with: { run: 'make' },
    expressionEnv: {},
    env: { PATH: '/bin', MIA_RUN_ID: 'x' } as Record<string, string>,
  };

  it('reads a leg’s `matrix` values, the key’s expressions, and never the run’s own environment', async () => {
    const ws = await mkdtemp(join(tmpdir(), 'mia-fp-'));
    const step = makeResolvedStep('test', [], {
      action: 'shell',
      cache: { inputs: [], outputs: [], key: '${{ env.NODE }}' },
    });
    const print = (overrides: object, env = input.env, ctx = context) =>
      fingerprintStep(ws, { ...step, ...overrides } as ResolvedStep, { ...input, env }, ctx);
    const base = await print({});
    expect(await print({ matrix: { node: '20' } })).not.toBe(base);
    expect(await print({ matrix: { node: '20' } })).not.toBe(
      await print({ matrix: { node: '22' } }),
    );
    expect(await print({}, { PATH: '/usr/bin', MIA_RUN_ID: 'y' })).toBe(base);
    expect(await print({}, input.env, { ...context, env: { NODE: '20' } })).not.toBe(base);
    expect(await print({ env: { CC: 'gcc' } }, { ...input.env, CC: 'gcc' })).not.toBe(base);
  });
});
