// Reads a POSIX/bash script far enough to tell where each `${{ }}` stands: its quoting, and the
// simple command and word around it. A lexer, not a parser: enough to quote a value right and to
// spot the places where a shell evaluates a value, not a proof that a script is safe.

import { type Heredoc, measureHeredocEnd, readHeredocOperator } from './shell-heredocs.js';
import { CommandReader, type ShellCommand } from './shell-words.js';
import type { ExpressionSpan } from './syntax.js';

/** Where the scanner stands: in code (top level, `$(…)`, arithmetic), or in a quote, comment, body. */
export type FrameKind =
  | 'plain'
  | 'subst'
  | 'arith'
  | 'double'
  | 'single'
  | 'ansi'
  | 'backtick'
  | 'comment'
  | 'heredoc';

/** Where one span stands. */
export interface SpanSite {
  /** The innermost frame. */
  frame: FrameKind;
  /** The here-document the span stands in, if any. */
  heredoc: Heredoc | undefined;
  /** Right after a backslash, which would escape the first character of the value. */
  isEscaped: boolean;
  /** Anywhere inside `$(( ))` or `(( ))`, quoted or not: the shell evaluates what it reads there. */
  isArithmetic: boolean;
}

export interface ShellScan {
  sites: SpanSite[];
  /** Every simple command of the script, each once it ended (inner commands first). */
  commands: ShellCommand[];
}

interface Frame {
  kind: FrameKind;
  /** What closes an arithmetic frame: `)` (of `$((`, `((`, `(`) or `]` (of the old `$[ ]`). */
  closer?: ')' | ']';
  heredoc?: Heredoc;
  isAtLineStart?: boolean;
  /** The command being read, in frames of code (top level and `$(…)`). */
  command?: CommandReader;
}

interface Scan {
  script: string;
  stack: Frame[];
  pending: Heredoc[];
  commands: ShellCommand[];
  /** The offset of the next span: nothing is consumed past it. */
  limit: number;
}

/** Scans `script`, whose `${{ }}` are `spans` (in order), and says where each stands. */
export function scanShellScript(script: string, spans: readonly ExpressionSpan[]): ShellScan {
  const commands: ShellCommand[] = [];
  const scan: Scan = { script, stack: [], pending: [], commands, limit: 0 };
  scan.stack.push(codeFrame(scan, 'plain'));
  const sites: SpanSite[] = [];
  let index = 0;
  while (index < script.length) {
    const span = spans[sites.length];
    const frame = scan.stack.at(-1)!;
    if (span !== undefined && index >= span.start) {
      sites.push(placeSpan(scan, sites.length, span.start));
      if (frame.kind === 'heredoc') frame.isAtLineStart = false;
      index = span.end;
      continue;
    }
    scan.limit = span?.start ?? script.length;
    index += step(scan, frame, index);
  }
  for (const frame of scan.stack.toReversed()) frame.command?.endCommand();
  return { sites, commands };
}

function placeSpan(scan: Scan, spanIndex: number, start: number): SpanSite {
  const { stack, script } = scan;
  const frame = stack.at(-1)!;
  const owner = stack.findLast((each) => each.command !== undefined);
  const above = owner === undefined ? stack : stack.slice(stack.lastIndexOf(owner));
  const isOutsideWords = above.some((each) => each.kind === 'heredoc' || each.kind === 'comment');
  if (owner?.command && !isOutsideWords) owner.command.touchWord(start).spans.push(spanIndex);
  let backslashes = 0; // an odd run ends in one that escapes
  while (script[start - backslashes - 1] === '\\') backslashes++;
  return {
    frame: frame.kind,
    heredoc: frame.heredoc,
    isEscaped: canEscape(frame) && backslashes % 2 === 1,
    isArithmetic: stack.some((each) => each.kind === 'arith'),
  };
}

/** Whether a backslash escapes the next character in this frame. */
function canEscape(frame: Frame): boolean {
  return frame.kind !== 'single' && frame.kind !== 'comment' && !frame.heredoc?.isLiteral;
}

function codeFrame(scan: Scan, kind: 'plain' | 'subst'): Frame {
  return { kind, command: new CommandReader(scan.script, scan.commands) };
}

// Consumes at least one character of the script at `index` and updates the state.
function step(scan: Scan, frame: Frame, index: number): number {
  const { script, stack } = scan;
  const char = script[index];
  if (char === '\\' && canEscape(frame)) {
    // A line continuation joins lines; any other escaped character is part of a word.
    if (frame.command && script[index + 1] !== '\n') frame.command.touchWord(index);
    return Math.min(2, script.length - index, Math.max(1, scan.limit - index));
  }
  switch (frame.kind) {
    case 'single':
    case 'ansi':
      if (char === "'") stack.pop();
      return 1;
    case 'comment':
      if (char !== '\n') return 1;
      stack.pop();
      return step(scan, stack.at(-1)!, index);
    case 'heredoc':
      return stepHeredoc(scan, frame, index);
    case 'double':
      if (char === '"') stack.pop();
      return (char !== '"' && openNested(scan, index, true)) || 1;
    case 'backtick':
      if (char === '`') stack.pop();
      return (char !== '`' && openNested(scan, index, false)) || 1;
    case 'arith':
      return stepArithmetic(scan, index);
    default:
      return stepCode(scan, frame, frame.command!, index);
  }
}

// Inside `$((…))`, `((…))` or `$[…]`: brackets nest, quotes and substitutions open.
function stepArithmetic(scan: Scan, index: number): number {
  const { stack, script } = scan;
  const opened = openNested(scan, index, false);
  if (opened > 0) return opened;
  const char = script[index];
  if (char === '(' || char === '[') stack.push({ kind: 'arith', closer: char === '(' ? ')' : ']' });
  else if (char === (stack.at(-1)!.closer ?? ')')) stack.pop();
  return 1;
}

// Shell code at the top level or inside `$(…)` / `(…)`: words, commands, quotes, here-documents.
function stepCode(scan: Scan, frame: Frame, command: CommandReader, index: number): number {
  const { script, stack, pending } = scan;
  const char = script[index]!;
  if (command.isTest && /[&|()<>]/.test(char)) {
    command.endWord(index);
    return 1;
  }
  if (script.startsWith('((', index) && command.word === undefined) {
    command.touchWord(index);
    stack.push({ kind: 'arith' }, { kind: 'arith' });
    return 2;
  }
  if (/[$`'"]/.test(char)) {
    command.touchWord(index);
    return openNested(scan, index, false) || 1;
  }
  if (char === '(') {
    command.endCommand(index);
    stack.push(codeFrame(scan, 'subst'));
  } else if (char === ')') {
    command.endCommand(index);
    if (frame.kind !== 'plain') stack.pop();
  } else if (char === '#' && command.word === undefined) {
    stack.push({ kind: 'comment' });
  } else if (script.startsWith('<<', index) && script[index + 2] !== '<') {
    command.endWord(index);
    const { length, heredoc } = readHeredocOperator(script, index, scan.limit);
    if (heredoc) pending.push(heredoc);
    return length;
  } else if (char === '\n') {
    command.endCommand(index);
    if (pending.length > 0) {
      stack.push({ kind: 'heredoc', heredoc: pending.shift()!, isAtLineStart: true });
    }
  } else if (char === '<' || char === '>' || script.startsWith('&>', index)) {
    // `>&2`, `<&0`, `&>`, `>|`: one redirection operator; the next word is where it points.
    command.startRedirect(index);
    return /[&|>]/.test(script[index + 1] ?? '') && index + 2 <= scan.limit ? 2 : 1;
  } else if (char === ';' || char === '&' || char === '|') {
    command.endCommand(index);
  } else if (char === ' ' || char === '\t') {
    command.endWord(index);
  } else {
    command.touchWord(index);
  }
  return 1;
}

// Opens a quote or a substitution at index; returns the characters taken, or 0.
function openNested(scan: Scan, index: number, isInDouble: boolean): number {
  const { stack, script } = scan;
  if (script.startsWith('$((', index)) {
    stack.push({ kind: 'arith' }, { kind: 'arith' });
    return 3;
  }
  if (script.startsWith('$(', index)) {
    stack.push(codeFrame(scan, 'subst'));
    return 2;
  }
  if (script.startsWith('$[', index)) {
    stack.push({ kind: 'arith', closer: ']' });
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

function stepHeredoc(scan: Scan, frame: Frame, index: number): number {
  const { script, stack, pending } = scan;
  const heredoc = frame.heredoc!;
  if (frame.isAtLineStart) {
    frame.isAtLineStart = false;
    const ending = measureHeredocEnd(script, index, heredoc);
    if (ending !== undefined) {
      stack.pop();
      const next = pending.shift();
      if (next) stack.push({ kind: 'heredoc', heredoc: next, isAtLineStart: true });
      return ending;
    }
  }
  if (script[index] === '\n') frame.isAtLineStart = true;
  // An unquoted body expands `$(…)`, `$((…))` and backticks, as double quotes do.
  return (!heredoc.isLiteral && openNested(scan, index, true)) || 1;
}
