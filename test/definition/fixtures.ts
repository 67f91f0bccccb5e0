// Test fixtures for definition tests: a registry of fake actions and real temporary workspaces.

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ActionRegistry } from '../../src/actions/registry.js';
import type { ActionAdapter } from '../../src/actions/types.js';

const run = async () => ({ outputs: {} });

/** Fake `shell` and `wait` adapters with the real ones' names, universes and schemas. */
export function createFakeRegistry(): ActionRegistry {
  const shell: ActionAdapter = {
    name: 'shell',
    universes: ['engineer', 'ceremony', 'story'],
    schema: {
      type: 'object',
      additionalProperties: false,
      required: ['run'],
      properties: { run: { type: 'string' }, cwd: { type: 'string' } },
    },
    run,
  };
  const wait: ActionAdapter = {
    name: 'wait',
    universes: ['engineer', 'ceremony', 'story'],
    schema: {
      type: 'object',
      additionalProperties: false,
      required: ['for'],
      properties: { for: { type: 'string', pattern: '^\\d+(\\.\\d+)?\\s*(ms|s|m|h)?$' } },
    },
    run,
  };
  const approve: ActionAdapter = { name: 'approve', universes: ['ceremony'], run };
  return new ActionRegistry([shell, wait, approve]);
}

/** A real temporary workspace; `write` puts files under it, `cleanup` removes it. */
export async function createWorkspace() {
  const root = await mkdtemp(join(tmpdir(), 'mia-definition-'));
  return {
    root,
    async write(path: string, text: string): Promise<string> {
      const full = join(root, path);
      await mkdir(dirname(full), { recursive: true });
      await writeFile(full, text);
      return full;
    },
    async writeWorkflow(name: string, text: string): Promise<string> {
      return this.write(join('.mia', 'workflows', `${name}.yaml`), text);
    },
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}

/** Joins lines into a YAML text (keeps line numbers in tests easy to read). */
export function yaml(...lines: string[]): string {
  return `${lines.join('\n')}\n`;
}
