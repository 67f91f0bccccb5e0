#!/usr/bin/env node
// The main job: runs the feature-delivery template end to end on a throwaway demo repository,
// with no credentials (the review gate is answered with --yes), and the dashboard serving it live.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../dist/cli/main.js';
import { createDemoRepository } from '../dist/demo/demo-repo.js';

// The demo is the local, credential-free path: a GitHub token in the environment would send the
// review and the merge to GitHub, which the throwaway repository has never seen.
const ignored = ['GITHUB_TOKEN', 'GH_TOKEN'].filter((name) => process.env[name]);
for (const name of ignored) delete process.env[name];
if (ignored.length > 0) {
  process.stdout.write(`${ignored.join(' and ')} ignored: the demo runs without credentials\n`);
}
const dir = await mkdtemp(join(tmpdir(), 'mia-demo-'));
await createDemoRepository(dir);
process.stdout.write(`demo repository: ${dir}\n`);
const extra = process.argv.slice(2);
process.exitCode = await main([
  'workflow',
  'run',
  'feature-delivery',
  '--yes',
  '--dashboard',
  '-C',
  dir,
  ...extra,
]);
process.stdout.write(`\nRead the story: node bin/mia.js workflow story --last -C ${dir}\n`);
