// Finds where a `${{ }}` value, handed to a script as a quoted variable, is still evaluated by the
// shell: bash arithmetic, and commands that run their argument as code. A lint for warnings: it
// knows the common forms, not every way a script can evaluate a variable.

import { scanShellScript } from './shell-scan.js';
import type { ShellCommand, ShellWord } from './shell-words.js';
import type { ExpressionSpan } from './syntax.js';

/** A span standing where the shell evaluates its value. */
export interface ShellHazard {
  /** Index of the span. */
  span: number;
  /** `arithmetic`: evaluated as a bash arithmetic expression; `code`: run as shell (or other) code. */
  kind: 'arithmetic' | 'code';
  /** The construct, as written in a message: `[[ … -eq … ]]`, `eval`, `bash -c`. */
  construct: string;
}

const ARITHMETIC_TESTS = new Set(['-eq', '-ne', '-lt', '-le', '-gt', '-ge']);
const DECLARATIONS = new Set(['declare', 'typeset', 'local', 'export', 'readonly']);
const WRAPPERS = new Set(['sudo', 'doas', 'env', 'command', 'builtin', 'exec', 'nohup', 'nice']);
const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)(\[[^\]]*\])?\+?=/;
const SUBSCRIPT = /\$\{[#!]?[A-Za-z_][A-Za-z0-9_]*\[[^\]]*$/;
const SUBSTRING = /\$\{[A-Za-z_][A-Za-z0-9_]*(\[[^\]]*\])?:(?![-=+?])[^}]*$/;
/** ssh's options that take an argument (`-p 22`): the word after them is not the destination. */
const SSH_OPTIONS_WITH_ARGUMENT = /^-[A-Za-z]*[BbcDEeFIiJLlmOoPpQRSWw]$/;

/** Programs that run the word after an option as code: the name, the option, and how to find it. */
const INTERPRETERS: { name: RegExp; option: RegExp; skipsOptions: boolean }[] = [
  { name: /^(ba|da|z|k|mk|a|)sh$/, option: /^-[A-Za-z]*c[A-Za-z]*$/, skipsOptions: true },
  { name: /^(su|runuser)$/, option: /^(-c|--command)$/, skipsOptions: false },
  { name: /^python[0-9.]*$/, option: /^-[A-Za-z]*c$/, skipsOptions: false },
  { name: /^(node|nodejs|bun)$/, option: /^(-[ep]|-pe|--eval|--print)$/, skipsOptions: false },
  { name: /^(perl|ruby)$/, option: /^-[A-Za-z]*[eE]$/, skipsOptions: false },
];

interface Finder {
  spans: readonly ExpressionSpan[];
  /** Names declared integers (`declare -i n`): assigning to them evaluates the value. */
  integers: Set<string>;
  add(span: number, kind: ShellHazard['kind'], construct: string): void;
}

/** Every span of `script` that stands where bash (or the program it starts) evaluates its value. */
export function findShellHazards(script: string, spans: readonly ExpressionSpan[]): ShellHazard[] {
  const { sites, commands } = scanShellScript(script, spans);
  const found = new Map<number, ShellHazard>();
  const finder: Finder = {
    spans,
    integers: new Set(),
    add: (span, kind, construct) => {
      if (!found.has(span)) found.set(span, { span, kind, construct });
    },
  };
  for (const [index, site] of sites.entries()) {
    if (site.isArithmetic) finder.add(index, 'arithmetic', '$(( )) or (( ))');
    if (site.frame === 'single' || site.frame === 'ansi' || site.frame === 'comment') continue;
    const start = spans[index]!.start;
    const line = script.slice(script.lastIndexOf('\n', start - 1) + 1, start);
    if (SUBSCRIPT.test(line)) finder.add(index, 'arithmetic', 'an array subscript ${a[…]}');
    else if (SUBSTRING.test(line)) finder.add(index, 'arithmetic', 'a substring offset ${v:…}');
  }
  for (const command of commands) findInCommand(command, finder);
  return [...found.values()].sort((a, b) => a.span - b.span);
}

function findInCommand(command: ShellCommand, finder: Finder): void {
  const words = command.words.filter((word) => !word.isRedirect);
  let index = 0;
  for (; index < words.length && ASSIGNMENT.test(words[index]!.text); index++) {
    checkAssignment(words[index]!, finder, undefined);
  }
  while (index < words.length && WRAPPERS.has(literalOf(words[index]))) {
    index++;
    while (index < words.length && /^-|=/.test(literalOf(words[index]))) index++;
  }
  const name = nameOf(words[index]);
  const args = words.slice(index + 1);
  const flag = (list: readonly ShellWord[], kind: ShellHazard['kind'], construct: string) => {
    for (const word of list) for (const span of word.spans) finder.add(span, kind, construct);
  };
  if (name === 'let') flag(args, 'arithmetic', 'let');
  else if (name === 'eval') flag(args, 'code', 'eval');
  else if (name === 'source' || name === '.') flag(args.slice(0, 1), 'code', name);
  else if (name === 'trap') flag(args.filter((word) => !isOption(word)).slice(0, 1), 'code', name);
  else if (name === '[[') checkTest(args, finder);
  else if (DECLARATIONS.has(name)) checkDeclaration(name, args, finder);
  for (const [at, word] of words.entries()) {
    const program = nameOf(word);
    if (program === 'ssh') flag(findSshCommand(words.slice(at + 1)), 'code', 'ssh');
    const interpreter = INTERPRETERS.find((each) => each.name.test(program));
    if (interpreter === undefined) continue;
    const rest = words.slice(at + 1);
    const optionAt = rest.findIndex((each) => interpreter.option.test(literalOf(each)));
    if (optionAt < 0) continue;
    const after = rest.slice(optionAt + 1);
    const code = interpreter.skipsOptions ? after.find((each) => !isOption(each)) : after[0];
    if (code) flag([code], 'code', `${program} ${literalOf(rest[optionAt])}`);
  }
}

// `[[ $a -eq $b ]]` evaluates both sides of an arithmetic comparison (`[ ]` and `test` do not).
function checkTest(args: readonly ShellWord[], finder: Finder): void {
  for (const [at, word] of args.entries()) {
    if (word.spans.length === 0) continue;
    const operator = [args[at - 1], args[at + 1]]
      .map(literalOf)
      .find((each) => ARITHMETIC_TESTS.has(each));
    if (operator === undefined) continue;
    for (const span of word.spans) finder.add(span, 'arithmetic', `[[ … ${operator} … ]]`);
  }
}

function checkDeclaration(name: string, args: readonly ShellWord[], finder: Finder): void {
  const isInteger = args.some((word) => /^-[A-Za-z]*i/.test(literalOf(word)));
  for (const word of args) {
    if (isOption(word)) continue;
    const declared = /^[A-Za-z_][A-Za-z0-9_]*/.exec(word.text)?.[0];
    if (isInteger && declared !== undefined) finder.integers.add(declared);
    if (ASSIGNMENT.test(word.text))
      checkAssignment(word, finder, isInteger ? `${name} -i` : undefined);
  }
}

// `a[i]=v` evaluates `i`; `n=v` evaluates `v` when `n` was declared an integer.
function checkAssignment(word: ShellWord, finder: Finder, integerConstruct: string | undefined) {
  const [head = '', name = '', subscript] = ASSIGNMENT.exec(word.text) ?? [];
  const subscriptEnd = name.length + (subscript?.length ?? 0);
  for (const span of word.spans) {
    const offset = finder.spans[span]!.start - word.start;
    if (subscript !== undefined && offset < subscriptEnd) {
      finder.add(span, 'arithmetic', 'an array subscript a[…]=');
    } else if (offset >= head.length && integerConstruct !== undefined) {
      finder.add(span, 'arithmetic', integerConstruct);
    } else if (offset >= head.length && finder.integers.has(name)) {
      finder.add(span, 'arithmetic', `an assignment to ${name}, declared an integer`);
    }
  }
}

/** The words ssh hands to the remote shell: everything after its options and destination. */
function findSshCommand(args: readonly ShellWord[]): ShellWord[] {
  for (let at = 0; at < args.length; at++) {
    const text = literalOf(args[at]);
    if (SSH_OPTIONS_WITH_ARGUMENT.test(text)) at++;
    else if (!text.startsWith('-')) return args.slice(at + 1);
  }
  return [];
}

function isOption(word: ShellWord): boolean {
  return /^[-+]/.test(literalOf(word));
}

/** The word without its quotes, when it holds no expression; '' otherwise. */
function literalOf(word: ShellWord | undefined): string {
  if (word === undefined || word.spans.length > 0) return '';
  return word.text.replace(/['"\\]/g, '');
}

/** The program a word names: `/usr/bin/bash` → bash. */
function nameOf(word: ShellWord | undefined): string {
  const literal = literalOf(word);
  return literal.slice(literal.lastIndexOf('/') + 1);
}
