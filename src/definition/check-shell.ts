// Checks of scripts and where steps run: `shell:`, `defaults`, values in scripts, `cwd`.

import type { ActionRegistry } from '../actions/registry.js';
import type { ActionAdapter } from '../actions/types.js';
import type { DefinitionProblem, SourcePosition } from '../errors.js';
import { resolveInside } from '../util/workspace-path.js';
import { findExpressions } from './expressions/evaluate.js';
import { findShellHazards, type ShellHazard } from './expressions/shell-hazards.js';
import { describeSiteProblem } from './expressions/shell-quote.js';
import { scanShellScript } from './expressions/shell-scan.js';
import type { ExpressionSpan } from './expressions/syntax.js';
import { asRecord, type MergedDefinition, type MergedStep } from './extends.js';
import { SHELLS, type ShellName } from './types.js';

/** Where the problems and warnings of a definition go. */
export interface ShellFindings {
  problems: DefinitionProblem[];
  /** What is valid but likely wrong: a value where the shell evaluates it. */
  warnings: DefinitionProblem[];
}

/**
 * Checks `shell:` (only on actions that run a script), `defaults`, each `${{ }}` in a script
 * (none in node and python scripts; none where no quoting works; a warning where the shell would
 * evaluate its value) and that literal working directories stay inside the workspace.
 */
export function checkShells(
  merged: MergedDefinition,
  registry: ActionRegistry,
  workspace: string,
  findings: ShellFindings,
): void {
  const defaults = asRecord(merged.data.defaults) ?? {};
  const defaultCwd = defaults.cwd;
  if (typeof defaultCwd === 'string') {
    const problem = describeCwdProblem(defaultCwd, workspace);
    if (problem !== undefined) {
      findings.problems.push({
        message: `"defaults.cwd" ${problem}`,
        position: merged.locate(['defaults', 'cwd']),
      });
    }
  }
  const scripted = registry.list().filter((adapter) => adapter.scriptField !== undefined);
  for (const step of merged.steps) {
    const adapter = registry.get(String(step.data.action));
    if (adapter === undefined) continue;
    const id = String(step.data.id);
    const own = step.data.shell;
    if (own !== undefined && adapter.scriptField === undefined) {
      findings.problems.push({
        message: `"shell" of step "${id}" applies only to actions that run a script (${scripted.map((each) => each.name).join(', ')}); action "${adapter.name}" runs none. Remove it.`,
        position: step.locate(['shell'], { key: true }),
      });
    } else if (typeof own === 'string' && own.includes('${{')) {
      findings.problems.push({
        message: `"shell" of step "${id}" must be written out (one of ${SHELLS.join(', ')}), not an expression.`,
        position: step.locate(['shell']),
      });
    }
    const shell = (own ?? defaults.shell) as ShellName | undefined;
    checkScripts(step, id, adapter, shell, findings);
    const cwd = asRecord(step.data.with)?.cwd;
    if (typeof cwd === 'string' && !cwd.includes('${{')) {
      const problem = describeCwdProblem(cwd, workspace);
      if (problem !== undefined) {
        findings.problems.push({
          message: `"with.cwd" of step "${id}" ${problem}`,
          position: step.locate(['with', 'cwd']),
        });
      }
    }
  }
}

function checkScripts(
  step: MergedStep,
  id: string,
  adapter: ActionAdapter,
  shell: ShellName | undefined,
  findings: ShellFindings,
): void {
  const withValues = asRecord(step.data.with) ?? {};
  const isProgram = shell === 'node' || shell === 'python';
  if (
    isProgram &&
    adapter.scriptField !== undefined &&
    withValues[adapter.scriptField] === undefined
  ) {
    findings.problems.push({
      message: `Step "${id}" runs its script with shell: ${shell}, so it needs "with.${adapter.scriptField}": its default is a shell command.`,
      position: step.locate(['with']),
    });
  }
  for (const field of adapter.shellFields ?? []) {
    const script = withValues[field];
    if (typeof script !== 'string' || !script.includes('${{')) continue;
    const spans = findExpressions(script);
    const at = (index: number) => locateSpan(step, ['with', field], script, spans, index);
    const where = `"with.${field}" of step "${id}"`;
    if (isProgram && field === adapter.scriptField) {
      for (const [index, span] of spans.entries()) {
        findings.problems.push({
          message: describeProgramValue(span, where, shell),
          position: at(index),
        });
      }
      continue;
    }
    const { sites } = scanShellScript(script, spans);
    for (const [index, site] of sites.entries()) {
      const problem = describeSiteProblem(site);
      if (problem === undefined) continue;
      const message = `\${{ ${spans[index]!.source} }} in ${where} ${problem.problem}. ${problem.fix}`;
      findings.problems.push({ message, position: at(index) });
    }
    for (const hazard of findShellHazards(script, spans)) {
      findings.warnings.push({
        message: describeHazard(hazard, spans[hazard.span]!, where),
        position: at(hazard.span),
      });
    }
  }
}

/** The position of the `index`-th span of `script`, the text at `path`, as written in the file. */
function locateSpan(
  step: MergedStep,
  path: (string | number)[],
  script: string,
  spans: readonly ExpressionSpan[],
  index: number,
): SourcePosition {
  const span = spans[index]!;
  const written = script.slice(span.start, span.end);
  const before = spans
    .slice(0, index)
    .filter((each) => script.slice(each.start, each.end) === written);
  return step.locateText(path, written, before.length);
}

function describeProgramValue(span: ExpressionSpan, where: string, shell: 'node' | 'python') {
  const read = shell === 'node' ? 'process.env.VALUE' : 'os.environ["VALUE"]';
  return `\${{ ${span.source} }} in ${where} cannot stand in a ${shell} script: a value there would be code. Pass it through env (env: { VALUE: "\${{ ${span.source} }}" }) and read ${read}.`;
}

function describeHazard(hazard: ShellHazard, span: ExpressionSpan, where: string): string {
  const shown = `\${{ ${span.source} }} in ${where}`;
  if (hazard.kind === 'arithmetic') {
    return `${shown} stands in bash arithmetic (${hazard.construct}), where bash evaluates the value as an expression: a value such as a[$(cmd)] runs cmd. Accept only numbers (test it with [[ $v =~ ^-?[0-9]+$ ]] first), or compare with [ … -eq … ], which does not evaluate.`;
  }
  return `${shown} is run as code by ${hazard.construct}: its value is a command there, not data. Hand it over as an argument or in a variable the code reads ("$1", "$VALUE"), never inside the code.`;
}

/** Why a literal working directory cannot be used, or undefined. */
function describeCwdProblem(cwd: string, workspace: string): string | undefined {
  if (cwd.includes('${{')) {
    return 'is plain text: no ${{ }} (set `with.cwd` on a step for a directory an expression gives).';
  }
  if (resolveInside(workspace, cwd) === undefined) {
    return `leaves the workspace (${JSON.stringify(cwd)}): steps run inside it. Give a directory relative to the workspace (e.g. packages/app).`;
  }
  return undefined;
}
