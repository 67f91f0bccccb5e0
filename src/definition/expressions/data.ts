// Converts plain JS values to and from the data types of @actions/expressions, without touching prototypes.

import { data } from '@actions/expressions';
import type { FunctionDefinition } from '@actions/expressions/funcs/info';

type ExpressionData = data.ExpressionData;
type Pair = { key: string; value: ExpressionData };

/**
 * A dictionary backed by a Map. The library's own Dictionary indexes keys in a plain object, so keys
 * such as `constructor` or `__proto__` are silently dropped; here every key is an ordinary key.
 * Lookups ignore case, as in GitHub Actions; of two keys that differ only in case, the first wins.
 */
export class MapDictionary extends data.Dictionary {
  readonly #entries = new Map<string, Pair>();

  override add(key: string, value: ExpressionData): void {
    const folded = key.toLowerCase();
    if (!this.#entries.has(folded)) this.#entries.set(folded, { key, value });
  }

  override get(key: string): ExpressionData | undefined {
    return this.#entries.get(key.toLowerCase())?.value;
  }

  override values(): ExpressionData[] {
    return [...this.#entries.values()].map((entry) => entry.value);
  }

  override pairs(): Pair[] {
    return [...this.#entries.values()];
  }
}

/** Converts a plain JS value (JSON-like) into expression data; functions, symbols and cycles become null. */
export function toExpressionData(
  value: unknown,
  ancestors: Set<object> = new Set(),
): ExpressionData {
  switch (typeof value) {
    case 'string':
      return new data.StringData(value);
    case 'number':
      return new data.NumberData(value);
    case 'bigint':
      return new data.NumberData(Number(value));
    case 'boolean':
      return new data.BooleanData(value);
    case 'object':
      break;
    default:
      return new data.Null();
  }
  if (value === null || ancestors.has(value)) return new data.Null();
  if (value instanceof Date) return new data.StringData(value.toISOString());
  ancestors.add(value);
  try {
    if (Array.isArray(value)) {
      return new data.Array(...value.map((item) => toExpressionData(item, ancestors)));
    }
    const dictionary = new MapDictionary();
    for (const [key, item] of Object.entries(value)) {
      dictionary.add(key, toExpressionData(item, ancestors));
    }
    return dictionary;
  } finally {
    ancestors.delete(value);
  }
}

/** Converts expression data back into a plain JS value (string, number, boolean, null, array, object). */
export function fromExpressionData(value: ExpressionData): unknown {
  switch (value.kind) {
    case data.Kind.String:
    case data.Kind.Number:
    case data.Kind.Boolean:
      return value.value;
    case data.Kind.Array:
      return value.values().map(fromExpressionData);
    case data.Kind.Dictionary:
      // Object.fromEntries defines own properties, so a `__proto__` key never sets a prototype.
      return Object.fromEntries(
        value.pairs().map((pair) => [pair.key, fromExpressionData(pair.value)]),
      );
    default:
      return null;
  }
}

/** Coerces an evaluated value to the text pasted into a string: null → '', objects and arrays → JSON. */
export function coerceToString(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return new data.NumberData(value).coerceString();
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/**
 * Replacements for the library's `toJSON` and `fromJSON`, which build objects from untrusted keys in
 * plain objects; these go through the converters above instead.
 */
export const SAFE_FUNCTIONS = new Map<string, FunctionDefinition>([
  [
    'tojson',
    {
      name: 'toJSON',
      minArgs: 1,
      maxArgs: 1,
      call: (value) => new data.StringData(JSON.stringify(fromExpressionData(value!), null, 2)),
    },
  ],
  [
    'fromjson',
    {
      name: 'fromJSON',
      minArgs: 1,
      maxArgs: 1,
      call: (value) => {
        const text = value!.coerceString();
        try {
          return toExpressionData(JSON.parse(text));
        } catch (error) {
          throw new Error(`fromJSON got text that is not JSON (${(error as Error).message})`);
        }
      },
    },
  ],
]);
