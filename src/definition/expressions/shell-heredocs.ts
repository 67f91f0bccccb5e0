// Here-documents in a shell script: the `<<WORD` operator, and the line that ends a body.

/** A here-document: its delimiter, `<<-` (leading tabs stripped), and whether its body is literal. */
export interface Heredoc {
  delimiter: string;
  stripsTabs: boolean;
  /** A quoted delimiter (`<<'EOF'`, `<<"EOF"`, `<<\EOF`): nothing in the body is expanded. */
  isLiteral: boolean;
}

const WORD_END = /[\s;&|()<>]/;

/**
 * Reads the operator `<<[-]WORD` at `index`, not past `limit`: the characters it takes (at least
 * one), and the here-document whose body starts on the next line, if it names a delimiter.
 */
export function readHeredocOperator(
  script: string,
  index: number,
  limit: number,
): { length: number; heredoc: Heredoc | undefined } {
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
  const heredoc = delimiter === '' ? undefined : { delimiter, stripsTabs, isLiteral };
  return { length: Math.max(1, cursor - index), heredoc };
}

/** At the start of a body line: the length of that line (with its newline) when it ends the body. */
export function measureHeredocEnd(
  script: string,
  index: number,
  heredoc: Heredoc,
): number | undefined {
  const lineEnd = script.indexOf('\n', index);
  const line = script.slice(index, lineEnd < 0 ? script.length : lineEnd);
  if ((heredoc.stripsTabs ? line.replace(/^\t+/, '') : line) !== heredoc.delimiter)
    return undefined;
  return lineEnd < 0 ? line.length : line.length + 1;
}
