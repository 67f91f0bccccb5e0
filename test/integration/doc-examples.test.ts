// The workflows README.md and docs/ show are valid as pasted: each is written where its name says
// and checked by `mia workflow validate`.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createWorkspace, PACKAGE_ROOT, runMia } from '../helpers/cli.js';

/** Every ```yaml block of a document that is a workflow (it has a top-level `name:`). */
async function readWorkflowExamples(file: string): Promise<Array<{ name: string; text: string }>> {
  const text = await readFile(join(PACKAGE_ROOT, file), 'utf8');
  const examples: Array<{ name: string; text: string }> = [];
  for (const block of text.matchAll(/```ya?ml\n([\s\S]*?)```/g)) {
    const name = block[1]?.match(/^name: ([a-z0-9-]+)/m)?.[1];
    if (name !== undefined) examples.push({ name, text: block[1] ?? '' });
  }
  return examples;
}

describe('the workflows the documentation shows', () => {
  it.each(['README.md', 'docs/customizing.md'])('validate as pasted from %s', async (file) => {
    const examples = await readWorkflowExamples(file);
    expect(examples.length).toBeGreaterThan(0);
    for (const example of examples) {
      const cwd = await createWorkspace({ [example.name]: example.text });
      const result = await runMia(['workflow', 'validate', example.name], { cwd });
      expect(result.exitCode, `${file}, workflow ${example.name}:\n${result.stderr}`).toBe(0);
    }
  });
});
