// Secrets never leave the engine: not in `.mia/`, not on the terminal, in any command or form.

import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runMia } from '../helpers/cli.js';
import { createFaultWorkspace } from './helpers.js';

const TOKEN = 'ghp_S3cretTokenValue0123456789abcdefXYZ';
const NPM = 'npm_0therS3cretValue9876543210';
const URL_PASSWORD = 'hunter2-in-a-url-9f8e7d';

/** Every form a secret must never appear in. */
const FORBIDDEN = [
  TOKEN,
  Buffer.from(TOKEN).toString('base64'),
  Buffer.from(`x-access-token:${TOKEN}`).toString('base64'),
  NPM,
  URL_PASSWORD,
];

async function readTree(dir: string): Promise<Array<[string, string]>> {
  const files: Array<[string, string]> = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files.push([path, await readFile(path, 'utf8')]);
  }
  return files;
}

function expectClean(where: string, text: string): void {
  for (const secret of FORBIDDEN) {
    expect(text.includes(secret), `${where} holds ${secret.slice(0, 12)}…`).toBe(false);
  }
}

const LEAKY = `name: leaky
narrative: "Nothing leaks"
inputs:
  token: { default: "" }
steps:
  - id: print
    action: shell
    beat: "printed \${{ inputs.token }}"
    with:
      run: |
        echo "plain $GITHUB_TOKEN and $NPM_TOKEN"
        echo "url https://x-access-token:$GITHUB_TOKEN@github.com/o/r.git"
        echo "other url https://deploy:\${URL_PASSWORD}@example.com/x"
        printf '%s' "$GITHUB_TOKEN" | base64
        printf 'x-access-token:%s' "$GITHUB_TOKEN" | base64
        echo "out=$GITHUB_TOKEN" >> "$MIA_OUTPUT"
        echo "err $GITHUB_TOKEN" >&2
        # A token written in two pieces, the first one ending a line longer than a log batch.
        head -c 8185 /dev/zero | tr '\\0' x; printf '%s' "$GITHUB_TOKEN" | head -c 10
        sleep 0.3; printf '%s\\n' "$GITHUB_TOKEN" | tail -c +11
  - id: fail
    action: shell
    depends_on: [print]
    tension: "failed holding \${{ inputs.token }}"
    with: { run: "echo \\"bad $GITHUB_TOKEN https://u:$URL_PASSWORD@h\\" >&2; exit 1" }
`;

describe('secrets', () => {
  it('masks the token, its base64, other secret variables and URL credentials everywhere', async () => {
    const ws = await createFaultWorkspace({ leaky: LEAKY });
    const env = { GITHUB_TOKEN: TOKEN, NPM_TOKEN: NPM, URL_PASSWORD };
    const outputs: Array<[string, string]> = [];
    for (const args of [
      ['workflow', 'run', 'leaky', '--input', `token=${TOKEN}`],
      ['workflow', 'run', 'leaky', '--json', '--input', `token=${TOKEN}`],
      ['workflow', 'resume', '--last'],
      ['workflow', 'status', '--last'],
      ['workflow', 'status', '--last', '--json'],
      ['workflow', 'story', '--last'],
      ['workflow', 'runs'],
      ['workflow', 'runs', '--json'],
    ]) {
      const result = await runMia(args, { cwd: ws, env });
      outputs.push([args.join(' '), `${result.stdout}\n${result.stderr}`]);
    }
    // The runs really printed what they were meant to (the masks stand where the secrets were).
    const [runText] = outputs[0]!.slice(1);
    expect(runText).toContain('***');
    for (const [where, text] of outputs) expectClean(where, text);

    const files = await readTree(join(ws, '.mia'));
    expect(files.some(([path]) => path.endsWith('story.md'))).toBe(true);
    expect(files.some(([path]) => path.includes('/stc/'))).toBe(true);
    expect(files.some(([path]) => path.endsWith('print.log'))).toBe(true);
    for (const [path, text] of files) expectClean(path, text);
    const log = files.find(([path]) => path.endsWith('print.log'))![1];
    expect(log).toContain('https://***@github.com');
    expect(log).toContain('https://***@example.com');
  });
});
