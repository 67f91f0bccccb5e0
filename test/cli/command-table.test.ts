// The command table drives the CLI: every command's help lists what the table declares for it,
// each option is declared once and used, and bad usage is refused with exit 2 before any command runs.

import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pc from 'picocolors';
import { describe, expect, it } from 'vitest';
import { COMMANDS, GROUPS } from '../../src/cli/command-table.js';
import { main } from '../../src/cli/main.js';
import { ARGUMENTS, OPTIONS, type OptionName } from '../../src/cli/options.js';
import type { Io } from '../../src/terminal/io.js';

/** Runs `mia <args>` in this process; what it printed, by stream, and its exit code. */
async function runMain(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const printed = { out: '', err: '' };
  const io: Io = {
    out: (text) => {
      printed.out += text;
    },
    err: (text) => {
      printed.err += text;
    },
    isTty: false,
    colors: pc.createColors(false),
  };
  const code = await main(args, io);
  return { code, ...printed };
}

/** Help wraps long lines: compare with whitespace collapsed. */
const squeeze = (text: string) => text.replace(/\s+/g, ' ');

const flagOf = (name: OptionName) =>
  `--${'negated' in OPTIONS[name] ? 'no-' : ''}${name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;

describe('the command table', () => {
  it('lists every command with its arguments and options, in the words the table declares', async () => {
    for (const command of COMMANDS) {
      const { code, out } = await runMain([...command.path, '--help']);
      expect(code, command.path.join(' ')).toBe(0);
      const help = squeeze(out);
      expect(help).toContain(`Usage: mia ${command.path.join(' ')}`);
      expect(help).toContain(command.description);
      for (const name of command.arguments) {
        expect(help).toContain(ARGUMENTS[name].syntax);
        expect(help).toContain(ARGUMENTS[name].description);
      }
      for (const name of command.options) {
        const option = OPTIONS[name];
        expect(help).toContain(`${flagOf(name)}${option.argument ? ` ${option.argument}` : ''}`);
        expect(help).toContain(option.description);
      }
    }
  });

  it('lists the command groups and top-level commands in mia --help', async () => {
    const { code, out } = await runMain(['--help']);
    expect(code).toBe(0);
    for (const [group, description] of Object.entries(GROUPS)) {
      expect(squeeze(out)).toContain(`${group} ${description}`);
    }
    const topLevel = COMMANDS.filter((command) => command.path.length === 1);
    for (const command of topLevel) expect(out).toContain(command.path[0]);
  });

  it('declares every option for at least one command, and no command takes one twice', () => {
    const used = COMMANDS.flatMap((command) => command.options);
    expect(new Set(used)).toEqual(new Set(Object.keys(OPTIONS)));
    for (const command of COMMANDS) {
      expect(new Set(command.options).size, command.path.join(' ')).toBe(command.options.length);
    }
  });

  it('refuses bad usage with exit 2 and a message that says what is wrong', async () => {
    const ws = await mkdtemp(join(tmpdir(), 'mia-table-'));
    const cases: Array<[string[], string]> = [
      [['workflow', 'ls', '--bogus'], "error: unknown option '--bogus'"],
      [['workflow', 'run'], "error: missing required argument 'name'"],
      [['workflow', 'approve', 'r1'], "error: missing required argument 'step-id'"],
      [['workflow', 'runs', 'extra'], "error: too many arguments for 'runs'"],
      [['workflow', 'run', 'x', '--concurrency', '0'], '--concurrency "0" is not a whole number'],
      [['workflow', 'run', 'x', '--input', 'nokey'], '--input "nokey" is not key=value.'],
      [
        ['workflow', 'show', 'x', '--format', 'yaml'],
        '--format "yaml" is not one of text, json, mermaid.',
      ],
      [['dashboard', '--port', '99999'], '--port "99999" is not a port number from 0 to 65535.'],
      [['workflow', 'status', 'r1', '--last'], 'Give a run id or --last, not both.'],
    ];
    for (const [args, message] of cases) {
      const { code, err } = await runMain(['-C', ws, ...args]);
      expect(code, args.join(' ')).toBe(2);
      expect(err, args.join(' ')).toContain(message);
    }
  });

  it('gives each command its typed options: repeated inputs collect, numbers parse, defaults apply', async () => {
    const ws = await mkdtemp(join(tmpdir(), 'mia-table-'));
    await mkdir(join(ws, '.mia/workflows'), { recursive: true });
    await writeFile(
      join(ws, '.mia/workflows/greet.yaml'),
      'name: greet\nnarrative: "Hi"\ninputs:\n  who: {}\n  how: {}\nsteps:\n  - { id: say, action: shell, with: { run: "echo ${{ inputs.how }} ${{ inputs.who }}" } }\n',
    );
    const args = ['-C', ws, 'workflow', 'run', 'greet', '-i', 'who=ada', '--input', 'how=hi'];
    const ran = await runMain([...args, '--concurrency', '3', '--json']);
    expect(ran.code, ran.err).toBe(0);
    const events = ran.out
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(events[0]).toMatchObject({
      type: 'workflow.started',
      payload: { inputs: { who: 'ada', how: 'hi' }, concurrency: 3 },
    });
    const completed = events.find((event) => event.type === 'workflow.step.completed');
    expect(completed.payload.outputs.stdout).toBe('hi ada');
    const shown = await runMain(['-C', ws, 'workflow', 'show', 'greet']);
    expect(shown.code, shown.err).toBe(0);
    expect(shown.out).not.toMatch(/^\{/);
  });
});
