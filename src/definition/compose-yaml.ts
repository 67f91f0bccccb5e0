// Composes one YAML document in a single lexing pass that stops at runaway nesting or size.

import {
  Composer,
  type Document,
  type DocumentOptions,
  Lexer,
  type LineCounter,
  type ParseOptions,
  Parser,
  type SchemaOptions,
  YAMLParseError,
} from 'yaml';

/** Deepest nesting of maps and sequences. */
export const MAX_DEPTH = 64;
/** Most values (keys and scalars) in a file: room for a 10,000-step workflow, never for a flood. */
export const MAX_VALUES = 150_000;

/** Where a file went past MAX_DEPTH or MAX_VALUES (an offset into its text). */
export interface Runaway {
  kind: 'depth' | 'values';
  offset: number;
}

/** The options of the document: core schema only, no custom tags, no merge keys. */
export const DOCUMENT_OPTIONS: ParseOptions & DocumentOptions & SchemaOptions = {
  prettyErrors: false,
  // Checked in parse.ts, in linear time: the library's check is quadratic in the keys of a map
  // (50,000 keys in 1 MiB took 13 s).
  uniqueKeys: false,
  schema: 'core',
  customTags: [],
  resolveKnownTags: false,
  merge: false,
};

/**
 * The file's first document, as the library's parseDocument makes it (a second document is an
 * error on the first), or the runaway that stopped it. The parser's memory and stack grow with
 * nesting (1 MiB of `[` takes it about 1 GB; 900 indented levels overflow its stack) and with
 * values (1 MiB of `k: 1` lines, 250 MB): each token is watched before the parser sees it, so such
 * a file stops there, with every token after it unparsed. The whole text is watched, so a
 * runaway anywhere wins over any other problem.
 */
export function composeDocument(
  text: string,
  lineCounter: LineCounter,
): { document: Document; runaway?: undefined } | { document?: undefined; runaway: Runaway } {
  const watch = createRunawayWatch();
  const parser = new Parser(lineCounter.addNewLine);
  const composer = new Composer(DOCUMENT_OPTIONS);
  let document: Document.Parsed | undefined;
  let isParsing = true;
  const take = (next: Document.Parsed) => {
    if (document === undefined) {
      document = next;
    } else if (isParsing) {
      document.errors.push(
        new YAMLParseError(
          [next.range[0], next.range[1]],
          'MULTIPLE_DOCS',
          'Source contains multiple documents; please use YAML.parseAllDocuments()',
        ),
      );
      // The rest is only watched, as the library stops at the second document.
      isParsing = false;
    }
  };
  // Lexer → parser → composer, token by token, as the library's parseDocument chains them.
  lineCounter.addNewLine(0);
  for (const token of new Lexer().lex(text)) {
    const runaway = watch(token);
    if (runaway !== undefined) return { runaway };
    if (!isParsing) continue;
    for (const node of parser.next(token)) for (const next of composer.next(node)) take(next);
  }
  if (isParsing) {
    for (const node of parser.end()) for (const next of composer.next(node)) take(next);
    for (const next of composer.end(true, text.length)) take(next);
  }
  // The composer always ends with a document, even for empty text.
  return { document: document! };
}

/**
 * A watch over the lexer's tokens, in order: the runaway at the token that passes a limit.
 * Nesting: unclosed flow brackets (`[[[[…`), ever deeper indentation, or `- - - …` on one line.
 * Each level counted here is a level of nodes (give or take the line's own), so no file within
 * MAX_DEPTH is refused here.
 */
function createRunawayWatch(): (token: string) => Runaway | undefined {
  let offset = 0;
  let values = 0;
  let flowDepth = 0;
  let lineDepth = 0;
  // The indentations of the lines a line nests in; a line indented less closes the deeper ones.
  const indents: number[] = [];
  let isLineStart = true;
  return (token) => {
    const isControl = LEXER_CONTROL_TOKENS.has(token);
    if (isLineStart && !isControl) {
      const indent = /^ +$/.test(token) ? token.length : 0;
      while (indents.length > 0 && indents.at(-1)! >= indent) indents.pop();
      indents.push(indent);
      isLineStart = false;
    }
    if (token === '[' || token === '{') flowDepth += 1;
    else if (token === ']' || token === '}') flowDepth = Math.max(0, flowDepth - 1);
    else if (token === '-' || token === '?') lineDepth += 1;
    else if (token === '\n' || token === '\r\n') {
      lineDepth = 0;
      isLineStart = true;
    } else if (token === SCALAR_TOKEN && ++values > MAX_VALUES) return { kind: 'values', offset };
    if (Math.max(flowDepth, indents.length + lineDepth) > MAX_DEPTH + 1) {
      return { kind: 'depth', offset };
    }
    // The lexer's control tokens (document, scalar, flow end) stand for no source text.
    if (!isControl) offset += token.length;
    return undefined;
  };
}

const SCALAR_TOKEN = '\x1f';
const LEXER_CONTROL_TOKENS = new Set(['\x02', '\x18', SCALAR_TOKEN]);
