// The shape of src/ as its imports show it: no module reaches itself through its imports, and the
// engine runs chapters only through the runner the composition root hands it.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findImportCycles, readImportGraph } from '../helpers/import-graph.js';

const SRC = join(import.meta.dirname, '../../src');

describe('the imports of src/', () => {
  const graph = readImportGraph(SRC);

  it('reads the whole tree, the engine and the CLI included', () => {
    expect(graph.get('engine/lifecycle/execute-run.ts')).toContain('engine/scheduler.ts');
    expect(graph.get('cli/run-session.ts')).toContain('engine/chapters.ts');
  });

  it('hold no cycle, counting type-only imports and import()', () => {
    expect(findImportCycles(graph)).toEqual([]);
  });

  it('leave engine/chapters.ts to the composition root: no engine module imports it', () => {
    const importers = [...graph]
      .filter(([, imports]) => imports.includes('engine/chapters.ts'))
      .map(([module]) => module);
    expect(importers.filter((module) => !module.startsWith('cli/'))).toEqual([]);
  });
});

describe('findImportCycles', () => {
  it('names the modules of a cycle made of a type import, a re-export and an import()', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mia-imports-'));
    try {
      await writeFile(join(dir, 'a.ts'), "import type { B } from './b.js';\nexport type A = B;\n");
      await writeFile(join(dir, 'b.ts'), "export * from './c.js';\nexport type B = string;\n");
      await writeFile(join(dir, 'c.ts'), "export const load = () => import('./a.js');\n");
      await writeFile(join(dir, 'd.ts'), "import { load } from './c.js';\nexport { load };\n");
      expect(findImportCycles(readImportGraph(dir))).toEqual([['a.ts', 'b.ts', 'c.ts']]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
