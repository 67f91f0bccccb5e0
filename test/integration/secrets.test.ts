// A token never appears in `.mia/` or on the terminal, in any of its forms.

import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createWorkspace, runMia } from '../helpers/cli.js';

async function readTree(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out.push(await readFile(join(entry.parentPath, entry.name), 'utf8'));
  }
  return out;
}

describe('secrets', () => {
  it('masks the GitHub token, its base64 and a token inside a URL everywhere under .mia and in the output', async () => {
    const token = 'ghp_S3cretTokenValue0123456789';
    const base64 = Buffer.from(token).toString('base64');
    const ws = await createWorkspace({
      leaky: `name: leaky
narrative: "Nothing leaks"
steps:
  - id: print
    action: shell
    with:
      run: |
        echo "plain $GITHUB_TOKEN"
        echo "url https://x-access-token:$GITHUB_TOKEN@github.com/o/r.git"
        printf '%s' "$GITHUB_TOKEN" | base64
        echo "out=$GITHUB_TOKEN" >> "$MIA_OUTPUT"
        echo "err $GITHUB_TOKEN" >&2
  - id: fail
    action: shell
    depends_on: [print]
    with: { run: "echo \\"bad $GITHUB_TOKEN\\" >&2; exit 1" }
`,
    });
    for (const args of [
      ['workflow', 'run', 'leaky'],
      ['workflow', 'run', 'leaky', '--json'],
      ['workflow', 'status', '--last', '--json'],
    ]) {
      const result = await runMia(args, { cwd: ws, env: { GITHUB_TOKEN: token } });
      for (const text of [result.stdout, result.stderr]) {
        expect(text).not.toContain(token);
        expect(text).not.toContain(base64);
      }
    }
    const files = await readTree(join(ws, '.mia'));
    expect(files.length).toBeGreaterThan(3);
    const all = files.join('\n');
    expect(all).toContain('***');
    expect(all).not.toContain(token);
    expect(all).not.toContain(base64);
  });
});
