import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findShellHazards } from '../../../src/definition/expressions/shell-hazards.js';
import { scanShellScript } from '../../../src/definition/expressions/shell-scan.js';
import { findExpressions } from '../../../src/definition/expressions/syntax.js';

/** The hazards of a script, as `kind: construct` for each expression that has one (X is an expression). */
function hazardsOf(script: string): string[] {
  const text = script.replaceAll('X', '${{ inputs.value }}');
  return findShellHazards(text, findExpressions(text)).map(
    (hazard) => `${hazard.kind}: ${hazard.construct}`,
  );
}

const POSITIVES: [string, string][] = [
  ['echo $(( X + 1 ))', 'arithmetic: $(( )) or (( ))'],
  ['(( X > 1 )) && echo big', 'arithmetic: $(( )) or (( ))'],
  ['echo $[ a[1] + X ]', 'arithmetic: $(( )) or (( ))'],
  ['(( "X" > 1 ))', 'arithmetic: $(( )) or (( ))'],
  ['for (( i = 0; i < X; i++ )); do echo $i; done', 'arithmetic: $(( )) or (( ))'],
  ['[[ X -eq 1 ]]', 'arithmetic: [[ … -eq … ]]'],
  ['if [[ 1 -lt "X" ]]; then echo small; fi', 'arithmetic: [[ … -lt … ]]'],
  ['[[ -n "$a" && X -ge 2 ]] || exit 1', 'arithmetic: [[ … -ge … ]]'],
  ['while [[ $(date +%s) -gt X ]]; do sleep 1; done', 'arithmetic: [[ … -gt … ]]'],
  ['let total=X+1', 'arithmetic: let'],
  ['echo "${list[X]}"', 'arithmetic: an array subscript ${a[…]}'],
  ['list[X]=done', 'arithmetic: an array subscript a[…]='],
  ['echo "${name:X:2}"', 'arithmetic: a substring offset ${v:…}'],
  ['declare -i count=X', 'arithmetic: declare -i'],
  ['local -ri left=X', 'arithmetic: local -i'],
  ['declare -i n\nn=X', 'arithmetic: an assignment to n, declared an integer'],
  ['cat <<EOF\ntotal: $(( X * 2 ))\nEOF', 'arithmetic: $(( )) or (( ))'],
  ['cat <<EOF\n$(eval "X")\nEOF', 'code: eval'],
  ['eval "echo X"', 'code: eval'],
  ['FOO=1 eval X', 'code: eval'],
  ['out=$(eval "X")', 'code: eval'],
  ['builtin eval X', 'code: eval'],
  ['source X', 'code: source'],
  ['. "X/env.sh"', 'code: .'],
  ['trap "echo X" EXIT', 'code: trap'],
  ['bash -c "X"', 'code: bash -c'],
  ['sh -ec \'echo \'"X"', 'code: sh -ec'],
  ['sudo -n /bin/bash -o pipefail -c "deploy X"', 'code: bash -c'],
  ['find . -name \'*.tmp\' -exec sh -c "rm X" \\;', 'code: sh -c'],
  ['echo a | xargs bash -c "X"', 'code: bash -c'],
  ['su deploy -c "X"', 'code: su -c'],
  ['python3 -c "print(X)"', 'code: python3 -c'],
  ['node -e "console.log(X)"', 'code: node -e'],
  ["perl -ne 'print if /X/' file", 'code: perl -ne'],
  ['ssh -p 22 deploy@host "restart X"', 'code: ssh'],
  ['ssh host restart X', 'code: ssh'],
];

const NEGATIVES: [string, string][] = [
  ['a plain argument', 'echo X'],
  ['a double-quoted argument', 'printf "%s\\n" "X"'],
  ['the test builtin, which does not evaluate', '[ X -eq 1 ]'],
  ['test -eq', 'test "X" -eq 1'],
  ['a string comparison in [[ ]]', '[[ X == abc ]]'],
  ['arithmetic written in single quotes', "echo '$(( X ))'"],
  ['arithmetic that closed before', 'echo $(( 1 + 2 )) X'],
  ['old arithmetic that closed before', 'echo $[ a[1] + 2 ] X'],
  ['an eval that only a string names', 'echo "eval X"'],
  ['a positional argument of bash -c', 'bash -c \'echo "$1"\' _ X'],
  ['a positional argument of node -e', "node -e 'console.log(process.argv[1])' X"],
  ['a script file and its arguments', 'python3 build.py X'],
  ['the destination of ssh', 'ssh X uptime'],
  ['a comment', '# eval X\necho ok'],
  ['a here-document', 'cat <<EOF\neval X\nlet a=X\nEOF'],
  ['a default value ${v:-…}', 'echo "${name:-X}"'],
  ['an assignment to a plain variable', 'count=X'],
  ['a declaration without -i', 'declare -r name=X'],
  ['a redirection target', 'eval "$CMD" > X'],
  ['let as an argument', 'echo let X'],
];

describe('findShellHazards', () => {
  it.each(POSITIVES)('finds the hazard in %j', (script, expected) => {
    expect(hazardsOf(script)).toEqual([expected]);
  });

  it.each(NEGATIVES)('finds none in %s', (_label, script) => {
    expect(hazardsOf(script)).toEqual([]);
  });

  it('names each expression of a script by its index, once', () => {
    const script = 'echo ${{ inputs.a }}\neval "${{ inputs.b }} $(( ${{ inputs.c }} ))"';
    expect(findShellHazards(script, findExpressions(script))).toEqual([
      { span: 1, kind: 'code', construct: 'eval' },
      { span: 2, kind: 'arithmetic', construct: '$(( )) or (( ))' },
    ]);
  });

  it('reads any script to its end and places every expression, however it is broken', () => {
    const pieces = ['${{ inputs.x }}', '$((', '))', '$(', ')', '(', '"', "'", '`', '\\', '\n'];
    pieces.push(' ', ';', '|', '&', '<<EOF', "<<'E'", 'EOF', '#', '[[', ']]', '-eq', 'eval');
    pieces.push('let', 'a[', ']', '=', '${', '}', 'bash', '-c', 'declare', '-i', '>', "$'", 'x');
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 40 }), (parts) => {
        const script = parts.join('');
        const spans = findExpressions(script);
        expect(scanShellScript(script, spans).sites).toHaveLength(spans.length);
        for (const hazard of findShellHazards(script, spans)) {
          expect(hazard.span).toBeLessThan(spans.length);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
