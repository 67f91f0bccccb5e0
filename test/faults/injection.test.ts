// Injection: hostile inputs, step outputs and names never become shell code, expressions or paths.

import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { Io } from '../../src/terminal/io.js';
import { runMia } from '../helpers/cli.js';
import { parseRunId } from '../helpers/run-files.js';
import { git, initRepositoryWithFeature } from '../helpers/temp-git-repo.js';
import { createFaultWorkspace, readEventLog, stepOf } from './helpers.js';

/** Values that would run `touch pwned-<n>` if they were ever pasted into a script as code. */
const PAYLOADS = [
  '$(touch pwned-1)',
  '`touch pwned-2`',
  '; touch pwned-3',
  '| touch pwned-4',
  '&& touch pwned-5',
  "'; touch pwned-6; '",
  '"; touch pwned-7; "',
  'line\ntouch pwned-8\n',
  '\\"; touch pwned-9 #',
  '${IFS}touch${IFS}pwned-10',
  'EOF\ntouch pwned-11\nEOF',
  "$'\\x3btouch pwned-12'",
  '$((1+1)) * ? ~ $HOME -n',
  '${{ env.HOME }} <(touch pwned-13) >(touch pwned-14)',
];

/** Where a `${{ }}` stands in a script: each writes the value, one line, to its own file. */
const CONTEXTS: Record<string, (expr: string) => string> = {
  plain: (e) => `printf '%s\\n' ${e} >> plain.txt`,
  double: (e) => `printf '%s\\n' "${e}" >> double.txt`,
  single: (e) => `printf '%s\\n' '${e}' >> single.txt`,
  subst: (e) => `: "$(printf '%s\\n' ${e} >> subst.txt)"`,
  heredoc: (e) => `cat >> heredoc.txt <<EOF\n${e}\nEOF`,
};

/** A `run: |` block scalar of these script lines. */
function block(lines: string[]): string {
  return lines
    .join('\n')
    .split('\n')
    .map((line) => `        ${line}`)
    .join('\n');
}

async function expectNotPwned(ws: string): Promise<void> {
  const names = await readdir(ws);
  expect(names.filter((name) => name.startsWith('pwned'))).toEqual([]);
}

/** An Io that keeps what the CLI prints. */
function captureIo(): Io & { text(): string } {
  let text = '';
  const identity = (s: string) => s;
  return {
    out: (s) => {
      text += s;
    },
    err: (s) => {
      text += s;
    },
    isTty: false,
    colors: new Proxy({}, { get: () => identity }) as Io['colors'],
    text: () => text,
  };
}

describe('values never become shell code', () => {
  it('passes shell metacharacters and newlines in inputs to the script as data, in every quoting context', async () => {
    const names = PAYLOADS.map((_, i) => `p${i}`);
    const lines = Object.values(CONTEXTS).flatMap((context) =>
      names.map((name) => context(`\${{ inputs.${name} }}`)),
    );
    const ws = await createFaultWorkspace({
      inject: `name: inject
narrative: "Hostile inputs stay data"
inputs:
${names.map((name) => `  ${name}: { required: true }`).join('\n')}
steps:
  - id: echo
    action: shell
    with:
      run: |
${block(lines)}
`,
    });
    const args = ['workflow', 'run', 'inject'];
    for (const [i, payload] of PAYLOADS.entries()) args.push('--input', `p${i}=${payload}`);
    const result = await runMia(args, { cwd: ws });
    expect(result.exitCode, result.stderr).toBe(0);
    await expectNotPwned(ws);
    const expected = PAYLOADS.map((payload) => `${payload}\n`).join('');
    for (const context of Object.keys(CONTEXTS)) {
      expect(await readFile(join(ws, `${context}.txt`), 'utf8'), context).toBe(expected);
    }
  });

  it("passes a step's hostile outputs to later steps as data, never evaluating them again", async () => {
    const ws = await createFaultWorkspace({
      relay: `name: relay
narrative: "Outputs stay data downstream"
steps:
  - id: produce
    action: shell
    with:
      run: |
        printf '%s%s\\n' 'evil=$(touch pwned-out-1); $' '{{ env.SECRET_X }}' >> "$MIA_OUTPUT"
        printf '%s\\n' 'block<<END' '\`touch pwned-out-2\`' '"; touch pwned-out-3; "' 'END' >> "$MIA_OUTPUT"
        printf '%s\\n' 'yes'"'"' || true || '"'"'x' '$(touch pwned-out-4)'
  - id: consume
    action: shell
    depends_on: [produce]
    env: { FROM_OUTPUT: "\${{ steps.produce.outputs.evil }}" }
    with:
      run: |
        printf '%s\\n' \${{ steps.produce.outputs.evil }} > consumed.txt
        printf '%s\\n' "\${{ steps.produce.outputs.block }}" >> consumed.txt
        printf '%s\\n' \${{ steps.produce.outputs.stdout }} >> consumed.txt
        printf '%s\\n' "$FROM_OUTPUT" >> consumed.txt
  - id: guarded
    action: shell
    depends_on: [produce]
    when: "\${{ steps.produce.outputs.stdout == 'yes' }}"
    with: { run: "touch pwned-when" }
`,
    });
    const result = await runMia(['workflow', 'run', 'relay'], {
      cwd: ws,
      env: { SECRET_X: 'the-secret-value' },
    });
    expect(result.exitCode, result.stderr).toBe(0);
    await expectNotPwned(ws);
    const evil = '$(touch pwned-out-1); ${{ env.SECRET_X }}';
    expect(await readFile(join(ws, 'consumed.txt'), 'utf8')).toBe(
      [
        evil,
        '`touch pwned-out-2`\n"; touch pwned-out-3; "',
        "yes' || true || 'x\n$(touch pwned-out-4)",
        evil,
        '',
      ].join('\n'),
    );
    const events = await readEventLog(ws, parseRunId(result.stdout));
    const guarded = events.find(
      (e) => stepOf(e) === 'guarded' && e.type.startsWith('workflow.step'),
    );
    expect(guarded?.type).toBe('workflow.step.skipped');
  });

  it('refuses hostile names: workflow, step, input', async () => {
    const ws = await createFaultWorkspace({
      named: `name: named\nnarrative: "x"\ninputs:\n  tag: { default: v1 }\nsteps:\n  - { id: a, action: shell, with: { run: "echo hi" } }\n`,
      badstep: `name: badstep\nnarrative: "x"\nsteps:\n  - { id: "a;touch pwned-id", action: shell, with: { run: "echo hi" } }\n`,
    });
    for (const args of [
      ['workflow', 'run', 'named;touch pwned-name'],
      ['workflow', 'run', '$(touch pwned-name)'],
      ['workflow', 'run', 'named', '--input', 'tag;touch pwned-input=1'],
      ['workflow', 'run', 'named', '--input', '$(touch pwned-input)=1'],
      ['workflow', 'run', 'badstep'],
    ]) {
      const result = await runMia(args, { cwd: ws });
      expect(result.exitCode, args.join(' ')).toBe(2);
    }
    await expectNotPwned(ws);
    expect(existsSync(join(ws, '.mia/runs'))).toBe(false);
  });
});

describe('git refs that are options', () => {
  it('refuses branch names that git would read as options or revisions, touching nothing', async () => {
    const ws = await createFaultWorkspace();
    await initRepositoryWithFeature(ws);
    const head = await git(ws, 'rev-parse', 'HEAD');
    const refs = [
      '--upload-pack=touch pwned-git-1',
      '--exec=touch pwned-git-2',
      '-c core.sshCommand=touch pwned-git-3',
      '--output=pwned-git-4',
      'feature;touch pwned-git-5',
      '$(touch pwned-git-6)',
      '@{-1}',
      'feature..main',
      'refs/heads/../feature',
      'feature\nmain',
    ];
    const steps = refs.flatMap((ref, i) => [
      `  - { id: b${i}, action: merge-pr, continue_on_error: true, with: { mode: local, branch: ${JSON.stringify(ref)} } }`,
      `  - { id: i${i}, action: merge-pr, continue_on_error: true, with: { mode: local, branch: feature, into: ${JSON.stringify(ref)} } }`,
    ]);
    const { writeFile } = await import('node:fs/promises');
    await writeFile(
      join(ws, '.mia/workflows/refs.yaml'),
      `name: refs\nnarrative: "Options are not branches"\nconcurrency: 1\nsteps:\n${steps.join('\n')}\n`,
    );
    const result = await runMia(['workflow', 'run', 'refs'], { cwd: ws });
    const events = await readEventLog(ws, parseRunId(result.stdout));
    const failed = events.filter((e) => e.type === 'workflow.step.failed');
    expect(failed).toHaveLength(refs.length * 2);
    for (const event of failed) {
      expect((event.payload as { error: { code?: string } }).error.code, stepOf(event)).toBe(
        'MIA_MERGE_BAD_BRANCH',
      );
    }
    await expectNotPwned(ws);
    expect(await git(ws, 'rev-parse', 'HEAD')).toBe(head);
    expect(await git(ws, 'status', '--porcelain', '--untracked-files=no')).toBe('');
  });
});

describe('path traversal at every CLI entry point', () => {
  const BAD = [
    '../evil',
    '../../../../../../tmp/evil',
    '..%2Fevil',
    '%2e%2e%2fevil',
    '/etc/passwd',
    'a/b',
    '..',
    '.',
    '..\\evil',
    'evil\0.yaml',
    'a\0b',
    '',
  ];

  /** Each command, with the hostile value in one of its arguments. */
  const COMMANDS: Array<[string, (bad: string, runId: string) => string[]]> = [
    ['run <name>', (bad) => ['workflow', 'run', bad]],
    ['show <name>', (bad) => ['workflow', 'show', bad]],
    ['validate <name>', (bad) => ['workflow', 'validate', bad]],
    ['status <run-id>', (bad) => ['workflow', 'status', bad]],
    ['resume <run-id>', (bad) => ['workflow', 'resume', bad]],
    ['story <run-id>', (bad) => ['workflow', 'story', bad]],
    ['approve <run-id>', (bad) => ['workflow', 'approve', bad, 'gate']],
    ['approve <step-id>', (bad, runId) => ['workflow', 'approve', runId, bad]],
    ['resume --from <step>', (bad, runId) => ['workflow', 'resume', runId, '--from', bad]],
    ['init <template>', (bad) => ['workflow', 'init', bad]],
    ['init --as <name>', (bad) => ['workflow', 'init', 'hello-world', '--as', bad]],
  ];

  it('refuses ../, %2F, absolute paths, separators and NUL with exit 2, writing nothing outside', async () => {
    const ws = await createFaultWorkspace({
      gated: `name: gated\nnarrative: "x"\nsteps:\n  - { id: gate, action: approve }\n`,
    });
    const run = await runMia(['workflow', 'run', 'gated', '--yes'], { cwd: ws });
    expect(run.exitCode, run.stderr).toBe(0);
    const runId = parseRunId(run.stdout);
    const evilOutside = async () =>
      (await readdir(join(ws, '..'))).filter((name) => /evil|passwd|^b\.yaml$/.test(name));
    const before = await evilOutside();
    let tried = 0;
    for (const [command, argsFor] of COMMANDS) {
      for (const bad of BAD) {
        const io = captureIo();
        const code = await main(['-C', ws, ...argsFor(bad, runId)], io);
        expect(code, `${command} ${JSON.stringify(bad)}: ${io.text()}`).toBe(2);
        tried += 1;
      }
    }
    expect(tried).toBe(COMMANDS.length * BAD.length);
    expect(await evilOutside()).toEqual(before);
    expect(existsSync('/tmp/evil')).toBe(false);
    expect(await readdir(join(ws, '.mia/workflows'))).toEqual(['gated.yaml']);
  });

  it('refuses them through the binary too', async () => {
    const ws = await createFaultWorkspace();
    for (const args of [
      ['workflow', 'status', '../../etc'],
      ['workflow', 'run', '/etc/passwd'],
      ['workflow', 'init', 'hello-world', '--as', '../evil'],
    ]) {
      const result = await runMia(args, { cwd: ws });
      expect(result.exitCode, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(/Invalid run id|is not a workflow name/);
    }
  });
});
