// `mia workflow init`: copies a built-in template into the workspace, to customize it.

import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { parseDocument } from 'yaml';
import { MiaError, UsageError, WorkflowNotFoundError } from '../errors.js';
import { formatSuggestion } from '../util/suggest.js';
import { assertWorkflowName, findTemplate, getWorkspaceWorkflowsDir } from './lookup.js';
import { TEMPLATES_DIR, WORKFLOW_SCHEMA_PATH } from './package-paths.js';

const SCHEMA_LINE = /^# yaml-language-server: \$schema=.*$/m;

/**
 * Writes `.mia/workflows/<as>.yaml` from the template: the same steps, the name changed to `as`
 * (when given), and the editor's schema line pointing at this package's schema. Never overwrites
 * unless `force`.
 */
export async function initWorkflow(options: {
  workspace: string;
  template: string;
  as?: string;
  force?: boolean;
}): Promise<{ path: string; name: string }> {
  assertWorkflowName(options.template);
  const name = options.as ?? options.template;
  assertWorkflowName(name);
  const template = await findTemplate(options.template);
  if (!template) {
    const names = (await readdir(TEMPLATES_DIR))
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => f.slice(0, -5));
    throw new WorkflowNotFoundError(
      `There is no built-in template "${options.template}".${formatSuggestion(options.template, names)}`,
      `Templates: ${names.join(', ')}.`,
    );
  }
  const target = join(getWorkspaceWorkflowsDir(options.workspace), `${name}.yaml`);
  const doc = parseDocument(await readFile(template.path, 'utf8'));
  doc.set('name', name);
  const schemaRef = relative(dirname(target), WORKFLOW_SCHEMA_PATH);
  let text = doc.toString({ lineWidth: 0 });
  text = SCHEMA_LINE.test(text)
    ? text.replace(SCHEMA_LINE, `# yaml-language-server: $schema=${schemaRef}`)
    : `# yaml-language-server: $schema=${schemaRef}\n${text}`;
  await mkdir(dirname(target), { recursive: true });
  try {
    await writeFile(target, text, { flag: options.force ? 'w' : 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new UsageError(
        `${relative(options.workspace, target)} already exists.`,
        'Edit it, pick another name with --as <name>, or overwrite it with --force.',
      );
    }
    throw new MiaError('MIA_INIT_WRITE', `Could not write ${target}: ${(error as Error).message}`);
  }
  return { path: target, name };
}
