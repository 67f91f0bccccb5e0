// Reads a POSIX/bash script far enough to tell where each `${{ }}` stands: its quoting, and the
// simple command and word around it. A lexer, not a parser: enough to quote a value right and to
// spot the places where a shell evaluates a value, not a proof that a script is safe.

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

export interface Heredoc {
  delimiter: string;
  stripsTabs: boolean;
  isLiteral: boolean;
}

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

/** A word of a command as written (quotes kept), with the spans it holds. */
export interface ShellWord {
  text: string;
  start: number;
  /** Indexes (into the spans scanned) of the spans inside this word. */
  spans: number[];
  /** The target of a redirection (`> file`), not an argument. */
  isRedirect: boolean;
}

/** A simple command: its words in order; reserved words (`if`, `then`, `!`…) left out. */
export interface ShellCommand {
  words: ShellWord[];
}

export interface ShellScan {
  sites: SpanSite[];
  /** Every simple command of the script, each once it ended (inner commands first). */
  commands: ShellCommand[];
}

interface CommandState {
  words: ShellWord[];
  word: ShellWord | undefined;
  /** Between `[[` and `]]`, where `&&`, `||`, `<`, `(` do not end the command. */
  isTest: boolean;
  isRedirectNext: boolean;
}

interface Frame {
  kind: FrameKind;
  /** What closes an arithmetic frame: `)` (of `$((`, `((`, `(`) or `]` (of the old `$[ ]`). */
  closer?: ')' | ']';
  heredoc?: Heredoc;
  isAtLineStart?: boolean;
  /** The command being read, in frames of code (top level and `$(…)`). */
  command?: CommandState;
}

interface Scan {
  script: string;
  stack: Frame[];
  pending: Heredoc[];
  commands: ShellCommand[];
  /** The offset of the next span: nothing is consumed past it. */
  limit: number;
}

const WORD_END = /[\s;&|()<>]/;
const RESERVED = new Set(
  '! { } if then elif else fi do done while until case esac for select in time function'.split(' '),
);

/** Scans `script`, whose `${{ }}` are `spans` (in order), and says where each stands. */
export function scanShellScript(script: string, spans: readonly ExpressionSpan[]): ShellScan {
  const scan: Scan = { script, stack: [codeFrame('plain')], pending: [], commands: [], limit: 0 };
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
  for (const frame of scan.stack.toReversed()) if (frame.command) endCommand(scan, frame.command);
  return { sites, commands: scan.commands };
}

function placeSpan(scan: Scan, spanIndex: number, start: number): SpanSite {
  const { stack, script } = scan;
  const frame = stack.at(-1)!;
  const owner = stack.findLast((each) => each.command !== undefined);
  const above = owner === undefined ? stack : stack.slice(stack.lastIndexOf(owner));
  const isOutsideWords = above.some((each) => each.kind === 'heredoc' || each.kind === 'comment');
  if (owner?.command && !isOutsideWords) {
    const word = touchWord(owner.command, start);
    word.spans.push(spanIndex);
  }
  return {
    frame: frame.kind,
    heredoc: frame.heredoc,
    isEscaped: start > 0 && script[start - 1] === '\\' && isBackslashLive(scan, start - 1),
    isArithmetic: stack.some((each) => each.kind === 'arith'),
  };
}

// A backslash escapes unless it is itself escaped, or stands where backslashes are literal.
function isBackslashLive(scan: Scan, at: number): boolean {
  const frame = scan.stack.at(-1)!;
  if (frame.kind === 'single' || frame.kind === 'comment' || frame.heredoc?.isLiteral) return false;
  let count = 0;
  for (let index = at; index >= 0 && scan.script[index] === '\\'; index--) count++;
  return count % 2 === 1;
}

function codeFrame(kind: 'plain' | 'subst'): Frame {
  return { kind, command: { words: [], word: undefined, isTest: false, isRedirectNext: false } };
}

function touchWord(command: CommandState, start: number): ShellWord {
  command.word ??= { text: '', start, spans: [], isRedirect: command.isRedirectNext };
  return command.word;
}

function endWord(scan: Scan, command: CommandState, end: number): void {
  const word = command.word;
  if (word === undefined) return;
  command.word = undefined;
  command.isRedirectNext = false;
  word.text = scan.script.slice(word.start, end);
  const literal = word.spans.length === 0 ? word.text : undefined;
  if (command.words.length === 0 && literal !== undefined && RESERVED.has(literal)) return;
  if (command.words.length === 0 && literal === '[[') command.isTest = true;
  if (command.isTest && literal === ']]') command.isTest = false;
  command.words.push(word);
}

function endCommand(scan: Scan, command: CommandState, end = scan.script.length): void {
  endWord(scan, command, end);
  if (command.words.length > 0) scan.commands.push({ words: command.words });
  command.words = [];
  command.isTest = false;
  command.isRedirectNext = false;
}

// Consumes at least one character of the script at `index` and updates the state.
function step(scan: Scan, frame: Frame, index: number): number {
  const { script, stack } = scan;
  const char = script[index];
  const isEscaping =
    frame.kind !== 'single' && frame.kind !== 'comment' && !frame.heredoc?.isLiteral;
  if (char === '\\' && isEscaping) {
    // A line continuation joins lines; any other escaped character is part of a word.
    if (frame.command && script[index + 1] !== '\n') touchWord(frame.command, index);
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
      return (char !== '"' && openNested(stack, script, index, true)) || 1;
    case 'backtick':
      if (char === '`') stack.pop();
      return (char !== '`' && openNested(stack, script, index, false)) || 1;
    case 'arith':
      return stepArithmetic(stack, script, index);
    default:
      return stepCode(scan, frame, frame.command!, index);
  }
}

// Inside `$((…))`, `((…))` or `$[…]`: brackets nest, quotes and substitutions open.
function stepArithmetic(stack: Frame[], script: string, index: number): number {
  const opened = openNested(stack, script, index, false);
  if (opened > 0) return opened;
  const char = script[index];
  if (char === '(' || char === '[') stack.push({ kind: 'arith', closer: char === '(' ? ')' : ']' });
  else if (char === (stack.at(-1)!.closer ?? ')')) stack.pop();
  return 1;
}

// Shell code at the top level or inside `$(…)` / `(…)`: words, commands, quotes, here-documents.
function stepCode(scan: Scan, frame: Frame, command: CommandState, index: number): number {
  const { script, stack, pending } = scan;
  const char = script[index]!;
  if (command.isTest && /[&|()<>]/.test(char)) {
    endWord(scan, command, index);
    return 1;
  }
  if (script.startsWith('((', index) && command.word === undefined) {
    touchWord(command, index);
    stack.push({ kind: 'arith' }, { kind: 'arith' });
    return 2;
  }
  if (/[$`'"]/.test(char)) {
    touchWord(command, index);
    return openNested(stack, script, index, false) || 1;
  }
  if (char === '(') {
    endCommand(scan, command, index);
    stack.push(codeFrame('subst'));
  } else if (char === ')') {
    endCommand(scan, command, index);
    if (frame.kind !== 'plain') stack.pop();
  } else if (char === '#' && command.word === undefined) {
    stack.push({ kind: 'comment' });
  } else if (script.startsWith('<<', index) && script[index + 2] !== '<') {
    endWord(scan, command, index);
    return readHeredocOperator(scan, index);
  } else if (char === '\n') {
    endCommand(scan, command, index);
    if (pending.length > 0) {
      stack.push({ kind: 'heredoc', heredoc: pending.shift()!, isAtLineStart: true });
    }
  } else if (char === '<' || char === '>' || script.startsWith('&>', index)) {
    // `>&2`, `<&0`, `&>`, `>|`: one redirection operator; the next word is where it points.
    const fd = command.word;
    if (fd && fd.spans.length === 0 && /^\d+$/.test(script.slice(fd.start, index))) {
      command.word = undefined;
    }
    endWord(scan, command, index);
    command.isRedirectNext = true;
    return /[&|>]/.test(script[index + 1] ?? '') && index + 2 <= scan.limit ? 2 : 1;
  } else if (char === ';' || char === '&' || char === '|') {
    endCommand(scan, command, index);
  } else if (char === ' ' || char === '\t') {
    endWord(scan, command, index);
  } else {
    touchWord(command, index);
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
    stack.push(codeFrame('subst'));
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
  return Math.max(1, cursor - index);
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
  // An unquoted body expands `$(…)`, `$((…))` and backticks, as double quotes do.
  return (!heredoc.isLiteral && openNested(stack, script, index, true)) || 1;
}
