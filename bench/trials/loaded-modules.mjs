// Trial: which heavy packages a CLI command loads. Usage: node loaded-modules.mjs <mia args...>
// Runs the command in this process (its output comes first) and reports the packages seen.

import { register } from 'node:module';
import { MessageChannel } from 'node:worker_threads';
import { report } from '../lib/child.mjs';

const HEAVY = [
  '@octokit',
  'simple-git',
  'ws',
  'ajv',
  'ajv-formats',
  'yaml',
  'execa',
  'graphology',
  'graphology-dag',
  '@actions/expressions',
  'log-update',
  'tinyglobby',
  'commander',
];

const seen = new Set();
const { port1, port2 } = new MessageChannel();
let lastMessageAt = performance.now();
port1.on('message', (url) => {
  lastMessageAt = performance.now();
  const name = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1];
  if (name) seen.add(name.startsWith('@octokit/') ? '@octokit' : name);
});
port1.unref();
register(new URL('../lib/module-trace-hooks.mjs', import.meta.url), {
  data: { port: port2 },
  transferList: [port2],
});

const { main } = await import('../../dist/cli/main.js');
const code = await main(process.argv.slice(2));
if (code !== 0) throw new Error(`mia ${process.argv.slice(2).join(' ')} exited ${code}`);
// The hooks run on their own thread: wait until their messages stop coming.
while (performance.now() - lastMessageAt < 100) await new Promise((r) => setTimeout(r, 20));
report({ heavy: HEAVY.filter((name) => seen.has(name)), all: [...seen].sort() });
