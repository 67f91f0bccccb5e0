// What schema-validate checks when it is given nothing: the workspace's own structures, against the package's schemas.

import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../definition/package-paths.js';

/** One kind of file the engine writes or reads, and the schema it must hold to. */
export interface WorkspaceStructure {
  /** What one such file is, for messages and facts ("workflow", "STC chart"). */
  what: string;
  /** Globs relative to the workspace. */
  files: string[];
  /** The package's own schema. */
  schemaPath: string;
  /** How messages name the schema. */
  schemaName: string;
}

const schema = (file: string) => ({
  schemaPath: join(PACKAGE_ROOT, 'schemas', file),
  schemaName: `mia-workflow's schemas/${file}`,
});

/** The structures checked by default, in the order they are reported. */
export const WORKSPACE_STRUCTURES: readonly WorkspaceStructure[] = [
  {
    what: 'workflow',
    files: ['.mia/workflows/*.yaml', '.mia/workflows/*.yml'],
    ...schema('workflow.schema.json'),
  },
  { what: 'STC chart', files: ['.mia/stc/*.json'], ...schema('stc-chart.schema.json') },
  {
    what: 'extension chart',
    files: ['.stc/charts/*.json'],
    ...schema('stc-extension-chart.schema.json'),
  },
];

/** `1 workflow, 2 STC charts`. */
export function describeCounts(counts: ReadonlyArray<{ what: string; files: number }>): string {
  return counts
    .filter((each) => each.files > 0)
    .map((each) => `${each.files} ${each.what}${each.files === 1 ? '' : 's'}`)
    .join(', ');
}
