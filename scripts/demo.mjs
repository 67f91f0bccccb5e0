#!/usr/bin/env node
// The main job: runs the feature-delivery template end to end on a throwaway demo repository,
// with no credentials (the review gate is answered with --yes), and the dashboard serving it live.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../dist/cli/main.js';
import { createDemoRepository } from '../dist/demo/demo-repo.js';

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
