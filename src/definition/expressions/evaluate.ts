// Evaluates `${{ }}` expressions (GitHub Actions syntax, via @actions/expressions) in workflow texts.
//
// As in GitHub Actions, context names, keys and function names ignore case, and `==` compares
// strings ignoring case. A missing value is null; null pastes into text as ''.

import { Evaluator } from '@actions/expressions';
import { MiaError } from '../../errors.js';
import {
  coerceToString,
  fromExpressionData,
  MapDictionary,
  SAFE_FUNCTIONS,
  toExpressionData,
} from './data.js';
import { rewriteShellScript, type ShellReference } from './shell-quote.js';
import { findExpressions, findUnclosedExpression, parseExpression } from './syntax.js';

export {
  checkExpression,
  collectReferences,
  type ExpressionSpan,
  findExpressions,
  findUnclosedExpression,
} from './syntax.js';

/** Data visible to expressions. */
export interface ExpressionContext {
  inputs: Record<string, string>;
  steps: Record<string, { outputs: Record<string, unknown>; status: string }>;
  env: Record<string, string>;
  run: { id: string };
  workflow: { name: string };
  /** A matrix leg's values (`${{ matrix.<key> }}`); absent outside a leg. */
  matrix?: Record<string, string | number | boolean>;
}

const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
const FALSE_STRINGS = new Set(['', 'false', '0']);

/**
 * Evaluates one expression's inner source to a plain JS value (string, number, boolean, null, array,
 * object). Throws a MiaError with code `MIA_EXPRESSION_EVAL` when it does not parse or fails.
 */
export function evaluateExpression(source: string, context: ExpressionContext): unknown {
  try {
    const tree = parseExpression(source);
    const result = new Evaluator(tree, toContextData(context), SAFE_FUNCTIONS).evaluate();
    return fromExpressionData(result);
  } catch (error) {
    const message = (error as Error).message;
    throw new MiaError(
      'MIA_EXPRESSION_EVAL',
      message.includes('${{') ? message : `Cannot evaluate \${{ ${source} }}: ${message}.`,
      {
        hint: 'Fix the expression in the workflow file; `mia workflow validate` checks its syntax.',
        cause: error,
      },
    );
  }
}

function toContextData(context: ExpressionContext): MapDictionary {
  const dictionary = new MapDictionary();
  dictionary.add('inputs', toExpressionData(context.inputs));
  dictionary.add('steps', toExpressionData(context.steps));
  dictionary.add('env', toExpressionData(context.env));
  dictionary.add('run', toExpressionData(context.run));
  dictionary.add('workflow', toExpressionData(context.workflow));
  dictionary.add('matrix', toExpressionData(context.matrix ?? {}));
  return dictionary;
}

/**
 * Interpolates a text. A text that is exactly one `${{ }}` (whitespace around it allowed) gives the
 * raw value; otherwise each span is replaced by its value as text (objects and arrays as JSON, null
 * as ''). A text without expressions is returned unchanged.
 */
export function interpolate(text: string, context: ExpressionContext): unknown {
  assertClosed(text);
  const spans = findExpressions(text);
  const [first] = spans;
  if (first === undefined) return text;
  const isWhole =
    spans.length === 1 &&
    text.slice(0, first.start).trim() === '' &&
    text.slice(first.end).trim() === '';
  if (isWhole) return evaluateExpression(first.source, context);
  let result = '';
  let from = 0;
  for (const span of spans) {
    result +=
      text.slice(from, span.start) + coerceToString(evaluateExpression(span.source, context));
    from = span.end;
  }
  return result + text.slice(from);
}

/** Interpolates every string inside objects and arrays (the `with` of a step); keys stay as they are. */
export function interpolateDeep(value: unknown, context: ExpressionContext): unknown {
  if (typeof value === 'string') return interpolate(value, context);
  if (Array.isArray(value)) return value.map((item) => interpolateDeep(item, context));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, interpolateDeep(item, context)]),
    );
  }
  return value;
}

/**
 * `when` semantics: a boolean as is; a string is interpolated and judged like GitHub's truthiness
 * (false, 0, NaN, null and '' are false), except that the strings 'false' and '0' (any case, spaces
 * around ignored) are false too, because inputs are strings: `--input deploy=false` must not deploy.
 */
export function isConditionTrue(when: string | boolean, context: ExpressionContext): boolean {
  if (typeof when === 'boolean') return when;
  const value = interpolate(when, context);
  if (value === null || value === undefined || value === false) return false;
  if (typeof value === 'number') return value !== 0 && !Number.isNaN(value);
  if (typeof value === 'string') return !FALSE_STRINGS.has(value.trim().toLowerCase());
  return true;
}

/**
 * Rewrites a bash/sh script so that each `${{ expr }}` becomes a quoted reference to an environment
 * variable holding its value (as text, like interpolate): unquoted → "${MIA_EXPR_n}", inside double
 * quotes → ${MIA_EXPR_n}, inside single quotes → '"${MIA_EXPR_n}"'. The same source shares one
 * variable. The shell never parses a value as script text; a script that evaluates the variable
 * (bash arithmetic, `eval`) still does (see shell-quote.ts). Throws MiaError `MIA_EXPRESSION_SHELL`
 * where no reference would be expanded (after a backslash, in a quoted here-document) or a value
 * that is not an integer stands in arithmetic, and `MIA_EXPRESSION_EVAL` when one fails.
 */
export function toShellSafeScript(
  script: string,
  context: ExpressionContext,
  prefix = 'MIA_EXPR_',
): { script: string; env: Record<string, string> } {
  if (!ENV_NAME_PATTERN.test(prefix)) {
    throw new TypeError(`The prefix "${prefix}" is not the start of an environment variable name.`);
  }
  // Most scripts hold no expression: scanning and rewriting them per step would change nothing.
  if (!script.includes('${{')) return { script, env: {} };
  assertClosed(script);
  const spans = findExpressions(script);
  const env: Record<string, string> = {};
  const bySource = new Map<string, ShellReference>();
  const references = spans.map((span) => {
    const known = bySource.get(span.source);
    if (known !== undefined) return known;
    const name = `${prefix}${bySource.size + 1}`;
    const value = coerceToString(evaluateExpression(span.source, context));
    if (value.includes('\0')) {
      throw new MiaError(
        'MIA_EXPRESSION_SHELL',
        `The value of \${{ ${span.source} }} contains a NUL character, which a shell cannot receive.`,
        { hint: 'Remove the NUL character from the value, or pass it through a file.' },
      );
    }
    const reference = { name, value };
    bySource.set(span.source, reference);
    env[name] = value;
    return reference;
  });
  return { script: rewriteShellScript(script, spans, references), env };
}

function assertClosed(text: string): void {
  const offset = findUnclosedExpression(text);
  if (offset === undefined) return;
  const excerpt = text.slice(offset, offset + 40).split('\n')[0];
  throw new MiaError(
    'MIA_EXPRESSION_EVAL',
    `Unclosed expression "${excerpt}…": the "\${{" at offset ${offset} has no closing "}}".`,
    { hint: 'Close the expression with }}.' },
  );
}
