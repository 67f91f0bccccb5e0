// Hands `${{ }}` values to a shell script as quoted environment variable references, so that the
// shell's parser never reads a value as syntax. What the script then does with the variable is the
// script's own doing: bash evaluates a variable's value in arithmetic, and `eval`, `source` or
// `sh -c` run it as code (shell-hazards.ts finds those places; `mia workflow validate` warns).

import { MiaError } from '../../errors.js';
import { type SpanSite, scanShellScript } from './shell-scan.js';
import type { ExpressionSpan } from './syntax.js';

/** The environment variable that will hold a span's value, and that value. */
export interface ShellReference {
  name: string;
  value: string;
}

/** What is wrong with where a span stands, and how to fix it. */
export interface SiteProblem {
  problem: string;
  fix: string;
}

/**
 * Rewrites `script` so that `spans[i]` becomes a reference to the variable `references[i]`,
 * quoted for where it stands: unquoted → "${V}", inside double quotes or a here-document → ${V},
 * inside single quotes → '"${V}"'. The shell then substitutes the value as one word (or as part of
 * the quoted text) and never parses it as code. The scanner (shell-scan.ts) reads quoting, not the
 * whole grammar: where it misjudges a context (`case` patterns inside `$(…)`), a value may be
 * split into words or globbed, but the shell still does not parse it. Two exceptions the rewriting
 * cannot remove, which
 * throw MIA_EXPRESSION_SHELL: a span where no reference would be expanded as written (after a
 * backslash, in a quoted here-document), and a value that is not an integer inside `$(( ))` or
 * `(( ))`, where the shell evaluates whatever it reads. Elsewhere a value is as safe as the
 * script's use of the variable; see findShellHazards for the uses that evaluate it.
 */
export function rewriteShellScript(
  script: string,
  spans: readonly ExpressionSpan[],
  references: readonly ShellReference[],
): string {
  const { sites } = scanShellScript(script, spans);
  const out: string[] = [];
  let from = 0;
  for (const [index, span] of spans.entries()) {
    const site = sites[index]!;
    const reference = references[index]!;
    const problem =
      describeSiteProblem(site) ?? describeValueProblem(site, reference.value, span.source);
    if (problem !== undefined) throw createShellError(script, span, problem);
    out.push(script.slice(from, span.start), formatReference(site, reference.name));
    from = span.end;
  }
  out.push(script.slice(from));
  return out.join('');
}

/** Why no reference can stand where this span does, whatever its value; undefined when one can. */
export function describeSiteProblem(site: SpanSite): SiteProblem | undefined {
  if (site.isEscaped) {
    return {
      problem: 'follows a backslash, which would escape the start of its value',
      fix: 'Remove the backslash before the expression.',
    };
  }
  if (site.heredoc?.isLiteral) {
    const { delimiter } = site.heredoc;
    return {
      problem: `stands in a quoted here-document (<<'${delimiter}'), where nothing is expanded`,
      fix: `Write the delimiter unquoted (<<${delimiter}) to expand it there.`,
    };
  }
  return undefined;
}

// In arithmetic the shell evaluates the text it reads (`a[$(cmd)]` runs cmd), quoted or not.
function describeValueProblem(
  site: SpanSite,
  value: string,
  source: string,
): SiteProblem | undefined {
  if (!site.isArithmetic || /^[+-]?\d+$/.test(value.trim())) return undefined;
  return {
    problem: `stands inside shell arithmetic ($(( )) or (( ))), where the shell evaluates its value as an expression, and its value ${JSON.stringify(value.slice(0, 40))} is not an integer`,
    fix: `Give \${{ ${source} }} an integer value, or compare it outside arithmetic (e.g. [ "$x" = … ]).`,
  };
}

function formatReference(site: SpanSite, name: string): string {
  switch (site.frame) {
    case 'arith':
    case 'double':
    case 'heredoc':
      return `\${${name}}`;
    case 'single':
      return `'"\${${name}}"'`;
    case 'ansi':
      return `'"\${${name}}"$'`;
    default:
      return `"\${${name}}"`;
  }
}

function createShellError(script: string, span: ExpressionSpan, problem: SiteProblem): MiaError {
  const line = script.slice(0, span.start).split('\n').length;
  return new MiaError(
    'MIA_EXPRESSION_SHELL',
    `The expression \${{ ${span.source} }} on line ${line} of the shell script ${problem.problem}.`,
    { hint: problem.fix, isRetriable: false },
  );
}
