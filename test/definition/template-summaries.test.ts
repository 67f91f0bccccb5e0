import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TEMPLATES_DIR } from '../../src/definition/package-paths.js';
import { parseWorkflowText } from '../../src/definition/parse.js';
import {
  generateTemplateSummaries,
  matchTemplateSummary,
  pickSummary,
} from '../../src/definition/template-summaries.js';
import { createWorkspace, yaml } from './fixtures.js';

let workspace: Awaited<ReturnType<typeof createWorkspace>>;
beforeEach(async () => {
  workspace = await createWorkspace();
});
afterEach(() => workspace.cleanup());

describe('generateTemplateSummaries', () => {
  it('summarizes every built-in template as parsing it does', async () => {
    const summaries = await generateTemplateSummaries(TEMPLATES_DIR);
    const files = readdirSync(TEMPLATES_DIR).filter((name) => name.endsWith('.yaml'));
    expect(Object.keys(summaries)).toEqual(files.sort());
    for (const file of files) {
      const parsed = parseWorkflowText(readFileSync(join(TEMPLATES_DIR, file), 'utf8'), file);
      expect(summaries[file]?.summary).toEqual(pickSummary(parsed.data));
    }
    expect(summaries['hello-world.yaml']?.summary.narrative).toBe(
      'A greeting travels from the first word to a shared farewell',
    );
  });

  it('leaves out a template with a problem, so that listing parses it and shows the problem', async () => {
    await workspace.write('t/good.yaml', yaml('name: good', 'narrative: Good', 'extends: base'));
    await workspace.write('t/bad.yaml', yaml('name: [bad'));
    await workspace.write('t/notes.txt', 'not a template');
    const summaries = await generateTemplateSummaries(join(workspace.root, 't'));
    expect(Object.keys(summaries)).toEqual(['good.yaml']);
    expect(summaries['good.yaml']?.summary).toEqual({ narrative: 'Good', extends: 'base' });
  });
});

describe('matchTemplateSummary', () => {
  const bytes = Buffer.from(yaml('name: good', 'narrative: Good'));
  let summaries: Awaited<ReturnType<typeof generateTemplateSummaries>>;
  beforeEach(async () => {
    await workspace.write('t/good.yaml', bytes.toString('utf8'));
    summaries = await generateTemplateSummaries(join(workspace.root, 't'));
  });

  it('gives the summary for the bytes it was made from', () => {
    expect(matchTemplateSummary(summaries, 'good.yaml', bytes)).toEqual({ narrative: 'Good' });
  });

  it('gives nothing once the file has changed, even by one byte', () => {
    const changed = Buffer.from(yaml('name: good', 'narrative: Goods'));
    expect(matchTemplateSummary(summaries, 'good.yaml', changed)).toBeUndefined();
  });

  it.each(['other.yaml', '__proto__', 'constructor'])('gives nothing for the file %s', (name) => {
    expect(matchTemplateSummary(summaries, name, bytes)).toBeUndefined();
  });
});
