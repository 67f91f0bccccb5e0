// Puts `${{ }}` values into shell scripts as quoted environment variable references, never as code.

import { MiaError } from '../../errors.js';
import type { ExpressionSpan } from './syntax.js';

/** Where the scanner stands: in code (top level, `$(…)`, arithmetic), or in a quote, comment, body. */
type CodeKind = 'plain' | 'subst' | 'arith';
type FrameKind = CodeKind | 'double' | 'single' | 'ansi' | 'backtick' | 'comment' | 'heredoc';

interface Heredoc {
  delimiter: string;
  stripsTabs: boolean;
  isLiteral: boolean;
}

interface Frame {
  kind: FrameKind;
  heredoc?: Heredoc;
  isAtLineStart?: boolean;
}

interface Scan {
  script: string;
  stack: Frame[];
  pending: Heredoc[];
  /** The offset of the next span: nothing is consumed past it. */
  limit: number;
}

const WORD_END = /[\s;&|()<>]/;

/** The environment variable that will hold a span's value, and that value. */
export interface ShellReference {
  name: string;
  value: string;
}

/**
 * Rewrites `script` so that `spans[i]` becomes a reference to the variable `references[i]`, quoted
 * for where it stands. The scanner knows quotes ('…', "…", $'…'), backslashes, `$(…)`, `$((…))`,
 * `((…))`, backticks, comments and here-documents; not `case` patterns inside `$(…)`. A reference is a
 * parameter expansion, which the shell never parses as code; only arithmetic evaluates a value, so
 * there the value must be an integer.
 */
export function rewriteShellScript(
  script: string,
  spans: readonly ExpressionSpan[],
  references: readonly ShellReference[],
): string {
  const scan: Scan = { script, stack: [{ kind: 'plain' }], pending: [], limit: 0 };
  const out: string[] = [];
  let index = 0;
  let spanIndex = 0;
  while (index < script.length) {
    const span = spans[spanIndex];
    const frame = scan.stack.at(-1)!;
    if (span !== undefined && index >= span.start) {
      out.push(formatReference(frame, references[spanIndex]!, script, span));
      if (frame.kind === 'heredoc') frame.isAtLineStart = false;
      index = span.end;
      spanIndex++;
      continue;
    }
    scan.limit = span?.start ?? script.length;
    const taken = step(scan, frame, index, span);
    out.push(script.slice(index, index + taken));
    index += taken;
  }
  return out.join('');
}

function formatReference(
  frame: Frame,
  { name, value }: ShellReference,
  script: string,
  span: ExpressionSpan,
): string {
  // bash evaluates a value inside arithmetic as code (`a[$(cmd)]`), quoted or not.
  if (frame.kind === 'arith' && !/^[+-]?\d+$/.test(value)) {
    const shown = JSON.stringify(value.slice(0, 40));
    throw shellError(
      script,
      span,
      `stands inside shell arithmetic, where its value ${shown} would be evaluated, and it is not an integer`,
      'Give it an integer value, or compare it outside arithmetic (e.g. with [ "$x" = … ]).',
    );
  }
  if (frame.heredoc?.isLiteral) {
    throw shellError(
      script,
      span,
      `stands in a quoted here-document (<<'${frame.heredoc.delimiter}'), where nothing is expanded`,
      `Write the delimiter unquoted (<<${frame.heredoc.delimiter}) to expand it there.`,
    );
  }
  switch (frame.kind) {
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

// Consumes at least one character of the script at `index` and updates the quoting state.
function step(scan: Scan, frame: Frame, index: number, span: ExpressionSpan | undefined): number {
  const { script, stack } = scan;
  const char = script[index];
  const isEscaping =
    frame.kind !== 'single' && frame.kind !== 'comment' && !frame.heredoc?.isLiteral;
  if (char === '\\' && isEscaping) {
    if (span !== undefined && index + 1 === scan.limit) {
      throw shellError(
        script,
        span,
        'follows a backslash, which would escape the start of its value',
        'Remove the backslash before the expression.',
      );
    }
    return Math.min(2, script.length - index);
  }
  switch (frame.kind) {
    case 'single':
    case 'ansi':
      if (char === "'") stack.pop();
      return 1;
    case 'comment':
      if (char !== '\n') return 1;
      stack.pop();
      return step(scan, stack.at(-1)!, index, span);
    case 'heredoc':
      return stepHeredoc(scan, frame, index);
    case 'double':
      if (char === '"') stack.pop();
      return (char !== '"' && openNested(stack, script, index, true)) || 1;
    case 'backtick':
      if (char === '`') stack.pop();
      return (char !== '`' && openNested(stack, script, index, false)) || 1;
    default:
      return stepCode(scan, frame, index);
  }
}

// Unquoted shell code: at top level, inside `$(…)` or `(…)`, inside `$((…))`.
function stepCode(scan: Scan, frame: Frame, index: number): number {
  const { script, stack, pending } = scan;
  const char = script[index];
  const opened = openNested(stack, script, index, false);
  if (opened > 0) return opened;
  if (script.startsWith('((', index)) {
    stack.push({ kind: 'arith' }, { kind: 'arith' });
    return 2;
  }
  if (char === '(') {
    stack.push({ kind: frame.kind === 'arith' ? 'arith' : 'subst' });
  } else if (char === ')') {
    if (frame.kind !== 'plain') stack.pop();
  } else if (frame.kind === 'arith') {
    return 1;
  } else if (char === '#' && (index === 0 || WORD_END.test(script[index - 1]!))) {
    stack.push({ kind: 'comment' });
  } else if (script.startsWith('<<', index) && script[index + 2] !== '<') {
    return readHeredocOperator(scan, index);
  } else if (char === '\n' && pending.length > 0) {
    stack.push({ kind: 'heredoc', heredoc: pending.shift()!, isAtLineStart: true });
  }
  return 1;
}

// Opens a quote or a substitution at index; returns the characters taken, or 0.
function openNested(stack: Frame[], script: string, index: number, isInDouble: boolean): number {
  if (script.startsWith('$((', index)) {
    stack.push({ kind: 'arith' }, { kind: 'arith' });
    return 3;
  }
  if (script.startsWith('$(', index)) {
    stack.push({ kind: 'subst' });
    return 2;
  }
  const char = script[index];
  if (char === '`') {
    stack.push({ kind: 'backtick' });
    return 1;
  }
  if (isInDouble) return 0;
  if (script.startsWith("$'", index)) {
    stack.push({ kind: 'ansi' });
    return 2;
  }
  if (char === "'" || char === '"') {
    stack.push({ kind: char === "'" ? 'single' : 'double' });
    return 1;
  }
  return 0;
}

function readHeredocOperator(scan: Scan, index: number): number {
  const { script, limit } = scan;
  let cursor = index + 2;
  const stripsTabs = script[cursor] === '-';
  if (stripsTabs) cursor++;
  while (script[cursor] === ' ' || script[cursor] === '\t') cursor++;
  let delimiter = '';
  let isLiteral = false;
  while (cursor < limit && !WORD_END.test(script[cursor]!)) {
    const char = script[cursor]!;
    if (char === "'" || char === '"') {
      const close = script.indexOf(char, cursor + 1);
      if (close < 0 || close >= limit) break;
      delimiter += script.slice(cursor + 1, close);
      isLiteral = true;
      cursor = close + 1;
    } else if (char === '\\' && cursor + 1 < limit) {
      delimiter += script[cursor + 1];
      isLiteral = true;
      cursor += 2;
    } else {
      delimiter += char;
      cursor++;
    }
  }
  if (delimiter !== '') scan.pending.push({ delimiter, stripsTabs, isLiteral });
  return cursor - index;
}

function stepHeredoc(scan: Scan, frame: Frame, index: number): number {
  const { script, stack, pending } = scan;
  const heredoc = frame.heredoc!;
  if (frame.isAtLineStart) {
    frame.isAtLineStart = false;
    const lineEnd = script.indexOf('\n', index);
    const line = script.slice(index, lineEnd < 0 ? script.length : lineEnd);
    if ((heredoc.stripsTabs ? line.replace(/^\t+/, '') : line) === heredoc.delimiter) {
      stack.pop();
      const next = pending.shift();
      if (next) stack.push({ kind: 'heredoc', heredoc: next, isAtLineStart: true });
      return lineEnd < 0 ? line.length : line.length + 1;
    }
  }
  if (script[index] === '\n') frame.isAtLineStart = true;
  return 1;
}

function shellError(script: string, span: ExpressionSpan, problem: string, fix: string): MiaError {
  const line = script.slice(0, span.start).split('\n').length;
  return new MiaError(
    'MIA_EXPRESSION_SHELL',
    `The expression \${{ ${span.source} }} on line ${line} of the shell script ${problem}.`,
    { hint: fix },
  );
}
