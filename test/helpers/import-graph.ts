// The import graph of a TypeScript source tree, read with the TypeScript compiler's parser:
// every relative import and re-export (types and `import()` included), and the cycles in it.

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

/** Each module (a path relative to the root) with the modules it imports. */
export type ImportGraph = Map<string, string[]>;

/** Reads every `.ts` file under `root`; imports of `./x.js` are resolved to `./x.ts`. */
export function readImportGraph(root: string): ImportGraph {
  const graph: ImportGraph = new Map();
  for (const file of listTypeScriptFiles(root)) {
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
    const imported = new Set<string>();
    const visit = (node: ts.Node): void => {
      const specifier = getModuleSpecifier(node);
      if (specifier?.startsWith('.')) {
        imported.add(relative(root, resolve(dirname(file), specifier.replace(/\.js$/, '.ts'))));
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
    graph.set(relative(root, file), [...imported]);
  }
  return graph;
}

/** Every cycle of the graph, as the modules of one strongly connected component (Tarjan). */
export function findImportCycles(graph: ImportGraph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const connect = (module: string): void => {
    index.set(module, index.size);
    low.set(module, index.get(module)!);
    stack.push(module);
    onStack.add(module);
    for (const next of graph.get(module) ?? []) {
      if (!graph.has(next)) continue;
      if (!index.has(next)) {
        connect(next);
        low.set(module, Math.min(low.get(module)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(module, Math.min(low.get(module)!, index.get(next)!));
      }
    }
    if (low.get(module) !== index.get(module)) return;
    const component: string[] = [];
    let member: string | undefined;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== module);
    const isSelfImport = graph.get(module)?.includes(module) ?? false;
    if (component.length > 1 || isSelfImport) cycles.push(component.sort());
  };
  for (const module of graph.keys()) if (!index.has(module)) connect(module);
  return cycles;
}

function getModuleSpecifier(node: ts.Node): string | undefined {
  if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) {
    const specifier = node.moduleSpecifier;
    return specifier && ts.isStringLiteral(specifier) ? specifier.text : undefined;
  }
  const isDynamicImport =
    ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword;
  const [argument] = isDynamicImport ? node.arguments : [];
  return argument && ts.isStringLiteralLike(argument) ? argument.text : undefined;
}

function listTypeScriptFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return listTypeScriptFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}
