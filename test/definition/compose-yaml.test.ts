import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Document, LineCounter, parseDocument } from 'yaml';
import {
  composeDocument,
  DOCUMENT_OPTIONS,
  MAX_DEPTH,
  MAX_VALUES,
} from '../../src/definition/compose-yaml.js';
import { TEMPLATES_DIR } from '../../src/definition/package-paths.js';

/** What a document says: its data, its errors and warnings, and the line of every new line. */
function describeComposed(text: string) {
  const lineCounter = new LineCounter();
  const { document, runaway } = composeDocument(text, lineCounter);
  if (document === undefined) throw new Error(`unexpected runaway ${JSON.stringify(runaway)}`);
  return summarize(document, lineCounter);
}

function describeLibrary(text: string) {
  const lineCounter = new LineCounter();
  return summarize(parseDocument(text, { ...DOCUMENT_OPTIONS, lineCounter }), lineCounter);
}

function summarize(document: Document, lineCounter: LineCounter) {
  const problems = [...document.errors, ...document.warnings].map((e) => [e.code, e.pos]);
  let data: unknown;
  try {
    data = problems.length === 0 ? document.toJS({ maxAliasCount: 100 }) : undefined;
  } catch (error) {
    data = (error as Error).message;
  }
  return { data, problems, lineStarts: lineCounter.lineStarts };
}

describe('composeDocument', () => {
  const templates = readdirSync(TEMPLATES_DIR).filter((name) => name.endsWith('.yaml'));
  it.each(templates)('composes the template %s as the library parseDocument does', (name) => {
    const text = readFileSync(join(TEMPLATES_DIR, name), 'utf8');
    expect(describeComposed(text)).toEqual(describeLibrary(text));
  });

  it.each([
    ['several documents', 'name: a\n---\nname: b\n---\nname: c\n'],
    ['a syntax error', 'a: [1, 2\nb: }\n'],
    ['an unknown tag', 'a: !!js/function "x"\n'],
    ['an empty text', ''],
    ['only a comment', '# nothing\n'],
    ['CRLF line ends', 'a: 1\r\nb:\r\n  - x\r\n'],
  ])('composes %s as the library does', (_, text) => {
    expect(describeComposed(text)).toEqual(describeLibrary(text));
  });

  it('composes any text built of YAML pieces as the library does', () => {
    const piece = fc.constantFrom(
      'a: ',
      'b:\n',
      '  ',
      '- ',
      '[',
      ']',
      '{',
      '}',
      ', ',
      '"q"',
      "'s'",
      '&x ',
      '*x',
      '? ',
      ': ',
      '\n',
      '---\n',
      '# c\n',
      '|\n  t\n',
      '1',
      'x',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), (pieces) => {
        const text = pieces.join('');
        expect(describeComposed(text)).toEqual(describeLibrary(text));
      }),
      { numRuns: 300 },
    );
  });

  it('stops at nesting deeper than the limit, where it starts', () => {
    const text = `a: ${'['.repeat(MAX_DEPTH + 5)}`;
    const { document, runaway } = composeDocument(text, new LineCounter());
    expect(document).toBeUndefined();
    expect(runaway).toEqual({ kind: 'depth', offset: 3 + MAX_DEPTH + 1 });
  });

  it('stops past the most values, even in a later document', () => {
    const text = `a: 1\n---\n${'k: 1\n'.repeat(MAX_VALUES / 2 + 1)}`;
    const { runaway } = composeDocument(text, new LineCounter());
    expect(runaway?.kind).toBe('values');
    // Value 150,001 is the key of line 75,000 of the second document (the first holds 2 values).
    expect(runaway?.offset).toBe('a: 1\n---\n'.length + (MAX_VALUES / 2 - 1) * 'k: 1\n'.length);
  });
});
