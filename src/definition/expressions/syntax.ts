// Finds `${{ }}` spans in texts, parses their source, checks names and lists the context paths read.

import {
  data,
  type Expr,
  ExpressionError,
  Lexer,
  Parser,
  wellKnownFunctions,
} from '@actions/expressions';
import {
  Binary,
  ContextAccess,
  FunctionCall,
  Grouping,
  IndexAccess,
  Literal,
  Logical,
  Unary,
} from '@actions/expressions/ast';
import { type Token, TokenType } from '@actions/expressions/lexer';
import { formatSuggestion, suggestName } from '../../util/suggest.js';

/** A `${{ }}` span found in a text: offsets of the whole span in the text, and the inner source trimmed. */
export interface ExpressionSpan {
  start: number;
  end: number;
  source: string;
}

/** The context names an expression may read. */
export const CONTEXT_NAMES = ['inputs', 'steps', 'env', 'run', 'workflow', 'matrix'] as const;

/** What may follow a context name (or `steps.<id>`); undefined means any key. */
const MEMBERS: Record<string, readonly string[] | undefined> = {
  steps: ['outputs', 'status'],
  run: ['id'],
  workflow: ['name'],
};

const FUNCTION_NAMES = Object.values(wellKnownFunctions).map((definition) => definition.name);

/** Every complete `${{ }}` span of a text, in order. An unclosed `${{` ends the search. */
export function findExpressions(text: string): ExpressionSpan[] {
  return scanText(text).spans;
}

/** The offset of a `${{` that has no closing `}}`, or undefined when every span is closed. */
export function findUnclosedExpression(text: string): number | undefined {
  return scanText(text).unclosedAt;
}

function scanText(text: string): { spans: ExpressionSpan[]; unclosedAt?: number } {
  const spans: ExpressionSpan[] = [];
  let from = 0;
  for (;;) {
    const start = text.indexOf('${{', from);
    if (start < 0) return { spans };
    const close = findClosingBraces(text, start + 3);
    if (close < 0) return { spans, unclosedAt: start };
    spans.push({ start, end: close + 2, source: text.slice(start + 3, close).trim() });
    from = close + 2;
  }
}

// `}}` inside a string literal ('…', with '' as an escaped quote) does not close the expression.
function findClosingBraces(text: string, from: number): number {
  let isInString = false;
  for (let index = from; index < text.length - 1; index++) {
    const char = text[index];
    if (char === "'") isInString = !isInString;
    else if (!isInString && char === '}' && text[index + 1] === '}') return index;
  }
  return -1;
}

/** Parses an expression's inner source; throws an Error whose message says what is wrong. */
export function parseExpression(source: string): Expr {
  const shown = `\${{ ${source} }}`;
  if (source.trim() === '') {
    throw new Error(
      `Empty expression ${shown}: write a value between the braces, e.g. \${{ inputs.name }}.`,
    );
  }
  let tokens: Token[];
  try {
    tokens = new Lexer(source).lex().tokens;
  } catch (error) {
    throw new Error(`Invalid expression ${shown}: ${describeLexerError(error)}.`);
  }
  for (const token of tokens) {
    // The lexer unescapes only the first '' of a string literal; do it for all of them.
    if (token.type === TokenType.STRING)
      token.value = token.lexeme.slice(1, -1).replaceAll("''", "'");
  }
  const nameProblem = findUnknownName(tokens, shown);
  if (nameProblem) throw new Error(nameProblem);
  let tree: Expr;
  try {
    tree = new Parser(tokens, [...CONTEXT_NAMES], []).parse();
  } catch (error) {
    const where = error instanceof ExpressionError ? ` (at column ${error.pos.column + 1})` : '';
    throw new Error(`Invalid expression ${shown}: ${(error as Error).message}${where}.`);
  }
  const memberProblem = findUnknownMember(tree, shown);
  if (memberProblem) throw new Error(memberProblem);
  return tree;
}

function describeLexerError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (message === 'ErrorExceededMaxLength') return 'it is too long';
  if (message.startsWith("Unexpected symbol: ''")) return "a string literal has no closing '";
  return message.replace(
    /\. Located at position (\d+) within expression: [\s\S]*$/,
    ' (at column $1)',
  );
}

// Checked on tokens, before the parser: it reports only the first problem and without suggestions.
function findUnknownName(tokens: Token[], shown: string): string | undefined {
  for (const [index, token] of tokens.entries()) {
    if (token.type !== TokenType.IDENTIFIER || tokens[index - 1]?.type === TokenType.DOT) continue;
    const name = token.lexeme;
    if (tokens[index + 1]?.type === TokenType.LEFT_PAREN) {
      if (!Object.hasOwn(wellKnownFunctions, name.toLowerCase())) {
        return `Unknown function "${name}" in expression ${shown}.${formatSuggestion(name, FUNCTION_NAMES)} Known functions: ${FUNCTION_NAMES.join(', ')}.`;
      }
    } else if (!(CONTEXT_NAMES as readonly string[]).includes(name.toLowerCase())) {
      return `Unknown context "${name}" in expression ${shown}.${formatSuggestion(name, CONTEXT_NAMES)} Expressions can read: ${CONTEXT_NAMES.join(', ')}.`;
    }
  }
  return undefined;
}

function findUnknownMember(tree: Expr, shown: string): string | undefined {
  for (const path of referencesOf(tree)) {
    const [context = '', first, second] = path;
    const member = context === 'steps' ? second : first;
    const known = MEMBERS[context];
    if (member === undefined || known === undefined || known.includes(member.toLowerCase()))
      continue;
    const owner = context === 'steps' ? `steps.${first}` : context;
    const suggestion = suggestName(member, known);
    const hint = suggestion === undefined ? '' : ` Did you mean "${owner}.${suggestion}"?`;
    return `Unknown property "${member}" of ${owner} in expression ${shown}.${hint} It has: ${known.join(', ')}.`;
  }
  return undefined;
}

/** Syntax check of one expression's inner source; returns an error message or undefined. */
export function checkExpression(source: string): string | undefined {
  try {
    parseExpression(source);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/**
 * Every context path the expression reads, e.g. ['steps', 'build', 'outputs', 'sha']: the literal
 * member chain (property access and literal string index), with the context name lower-cased and the
 * rest as written (lookups ignore case). An expression that does not parse reads nothing here;
 * checkExpression reports it.
 */
export function collectReferences(source: string): string[][] {
  try {
    return referencesOf(parseExpression(source));
  } catch {
    return [];
  }
}

function referencesOf(tree: Expr): string[][] {
  const paths = new Map<string, string[]>();
  const visit = (node: Expr): void => {
    const path = memberChain(node);
    if (path) {
      paths.set(JSON.stringify(path), path);
      return;
    }
    for (const child of childrenOf(node)) visit(child);
  };
  visit(tree);
  return [...paths.values()];
}

// The literal chain `context.a['b']` down to node, or undefined when node is not such a chain.
function memberChain(node: Expr): string[] | undefined {
  if (node instanceof ContextAccess) return [node.name.lexeme.toLowerCase()];
  if (!(node instanceof IndexAccess) || !(node.index instanceof Literal)) return undefined;
  const key = node.index.literal;
  if (key.kind !== data.Kind.String) return undefined;
  const parent = memberChain(node.expr);
  return parent && [...parent, key.coerceString()];
}

function childrenOf(node: Expr): Expr[] {
  if (node instanceof IndexAccess) return [node.expr, node.index];
  if (node instanceof Unary) return [node.expr];
  if (node instanceof Binary) return [node.left, node.right];
  if (node instanceof Logical || node instanceof FunctionCall) return node.args;
  if (node instanceof Grouping) return [node.group];
  return [];
}
