// Each step's completion records the git HEAD before and after it.

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runMia } from '../helpers/cli.js';
import { eventsFor, parseRunId, readRunEvents } from '../helpers/run-files.js';
import { GIT_IDENTITY_ENV, git, initRepository } from '../helpers/temp-git-repo.js';

describe('vcs snapshots', () => {
  it('records HEAD before and after every completed step of a run in a git repository', async () => {
    const repo = await initRepository();
    const before = await git(repo, 'rev-parse', 'HEAD');
    await mkdir(join(repo, '.mia/workflows'), { recursive: true });
    await writeFile(
      join(repo, '.mia/workflows/commit.yaml'),
      `name: commit
narrative: "A change lands"
steps:
  - { id: change, action: shell, with: { run: "echo x > x.txt && git add x.txt && git commit -qm x" } }
  - { id: look, action: shell, depends_on: [change], with: { run: "true" } }
`,
    );
    const result = await runMia(['workflow', 'run', 'commit'], {
      cwd: repo,
      env: GIT_IDENTITY_ENV,
    });
    expect(result.exitCode, result.stderr).toBe(0);
    const after = await git(repo, 'rev-parse', 'HEAD');
    const events = await readRunEvents(repo, parseRunId(result.stdout));
    expect(eventsFor(events, 'workflow.step.completed', 'change')[0]?.payload.vcs).toEqual({
      before,
      after,
    });
    expect(eventsFor(events, 'workflow.step.completed', 'look')[0]?.payload.vcs).toEqual({
      before: after,
      after,
    });
  });
});
