// Every option and argument of the `mia` commands, declared once with its type, its help and its
// parser; the command table (command-table.ts) says which command takes which.

import { MiaError, UsageError } from '../errors.js';
import { parseLabels } from '../queue/settings.js';
import { parseDuration } from '../util/duration.js';

/** The formats of `mia workflow show`. */
export const SHOW_FORMATS = ['text', 'json', 'mermaid'] as const;
export type ShowFormat = (typeof SHOW_FORMATS)[number];

/** The value of every option, by the name commander gives it (`--allow-remote`: allowRemote). */
export interface CliOptions {
  actions?: boolean;
  json?: boolean;
  format: ShowFormat;
  as?: string;
  force?: boolean;
  input?: Record<string, string>;
  concurrency?: number;
  yes?: boolean;
  dashboard?: boolean;
  last?: boolean;
  from?: string;
  reject?: boolean;
  reason?: string;
  port?: number;
  host?: string;
  allowRemote?: boolean;
  /** False with `--no-cache`. */
  cache?: boolean;
  dryRun?: boolean;
  olderThan?: number;
  queue?: string;
  allowDirty?: boolean;
  labels?: string[];
}

export type OptionName = keyof CliOptions;

/** The options of the commands that execute a run (`run` and `resume`), in the order of help. */
export const EXECUTION_OPTIONS = [
  'concurrency',
  'yes',
  'dashboard',
  'json',
  'cache',
  'dryRun',
  'queue',
  'allowDirty',
] as const satisfies readonly OptionName[];

/** The values of the options every command that executes a run takes. */
export type ExecutionOptions = Pick<CliOptions, (typeof EXECUTION_OPTIONS)[number]>;

/**
 * How an option is declared: a flag takes no value; an option with a value names it in
 * `argument` and parses it (a free string needs no parser); an option that is never undefined
 * has a default.
 */
export type OptionSpec<V> = { description: string; short?: `-${string}` } & ([
  NonNullable<V>,
] extends [boolean]
  ? { argument?: never; parse?: never; negated?: true }
  : {
      argument: `<${string}>`;
    } & (string extends NonNullable<V>
      ? { parse?: never }
      : { parse: (value: string, previous: V) => NonNullable<V> })) &
  (undefined extends V ? { default?: never } : { default: V });

/** The options, each declared once; `--kebab-case` flags come from the camelCase names. */
export const OPTIONS: { readonly [K in OptionName]-?: OptionSpec<CliOptions[K]> } = {
  actions: { description: 'list the actions (built-in and custom) instead of workflows' },
  json: {
    description: 'machine-readable output only: JSON (for run and resume, one event per line)',
  },
  format: {
    argument: '<format>',
    description: 'text, json or mermaid',
    parse: parseShowFormat,
    default: 'text',
  },
  as: {
    argument: '<name>',
    description: "the new workflow's name (default: the template's, which overrides it)",
  },
  force: { description: 'overwrite an existing workflow file' },
  input: {
    short: '-i',
    argument: '<key=value>',
    description: 'an input of the workflow (repeatable)',
    parse: collectInput,
  },
  concurrency: {
    argument: '<n>',
    description: 'most steps running at once',
    parse: parseConcurrency,
  },
  yes: { description: 'answer every gate with approval (recorded as automatic)' },
  dashboard: { description: 'serve the live dashboard while the run goes (prints its URL)' },
  last: { description: 'the latest run' },
  from: {
    argument: '<step>',
    description:
      "re-run this step and everything downstream of it (a matrix leg: '<step>(<values>)', that leg alone)",
  },
  reject: { description: 'reject instead of approving (a tension)' },
  reason: { argument: '<text>', description: 'why; shown in the story' },
  port: { argument: '<n>', description: 'port to listen on (0: any free port)', parse: parsePort },
  host: { argument: '<host>', description: 'address to listen on (default 127.0.0.1)' },
  allowRemote: {
    description: 'allow a --host other machines can reach (the token is the only protection)',
  },
  cache: {
    description: 'run every step: the step cache is neither read nor written',
    negated: true,
  },
  dryRun: {
    description:
      'print what would run, be skipped or come from the cache; run nothing, leave no run',
  },
  olderThan: {
    argument: '<duration>',
    description: 'only entries older than this: 30m, 12h, 7d…',
    parse: parseAge,
  },
  queue: {
    argument: '<url>',
    description: 'the Redis of the workers (redis:// or rediss://; default: $MIA_QUEUE)',
  },
  allowDirty: {
    description: 'let workers run the last commit although tracked files have uncommitted changes',
  },
  labels: {
    argument: '<a,b>',
    description: "this worker's labels: it runs steps whose runs_on it has all of",
    parse: parseLabelsOption,
  },
};

/** The positional arguments, each declared once: `<required>`, `[optional]`, `[list...]`. */
export const ARGUMENTS = {
  workflow: { syntax: '<name>', description: 'workflow name or file' },
  workflows: {
    syntax: '[names...]',
    description: 'workflow names or files (default: every workflow of the workspace)',
  },
  template: { syntax: '<template>', description: 'the template to start from' },
  run: { syntax: '[run-id]', description: 'the run (default: the latest)' },
  gateRun: { syntax: '<run-id>', description: 'the run' },
  gate: {
    syntax: '<step-id>',
    description: 'the step waiting at the gate (<chapter-step>/<gate-step> inside a chapter)',
  },
} as const;

/** `--input key=value`, repeatable: collects into an object. */
export function collectInput(
  value: string,
  previous: Record<string, string> | undefined,
): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) {
    throw new UsageError(`--input "${value}" is not key=value.`, 'Write it as --input name=value.');
  }
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

/** `--concurrency N`: a whole number of at least 1. */
export function parseConcurrency(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1024) {
    throw new UsageError(
      `--concurrency "${value}" is not a whole number from 1 to 1024.`,
      'For example: --concurrency 4.',
    );
  }
  return n;
}

/** `--format` of show. */
export function parseShowFormat(value: string): ShowFormat {
  const format = SHOW_FORMATS.find((each) => each === value);
  if (format !== undefined) return format;
  throw new UsageError(
    `--format "${value}" is not one of ${SHOW_FORMATS.join(', ')}.`,
    'For example: --format mermaid.',
  );
}

/** `--older-than D`: a duration (ms, s, m, h, or d for days). */
export function parseAge(value: string): number {
  const days = /^(\d+(?:\.\d+)?)\s*d$/.exec(value.trim());
  const ms = days ? Number(days[1]) * 86_400_000 : parseDuration(value);
  if (ms === undefined || !Number.isFinite(ms)) {
    throw new UsageError(
      `--older-than "${value}" is not a duration.`,
      'For example: --older-than 7d, --older-than 12h or --older-than 30m.',
    );
  }
  return ms;
}

/** `--port N`: 0 (any free port) to 65535. */
export function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) {
    throw new UsageError(
      `--port "${value}" is not a port number from 0 to 65535.`,
      'For example --port 4817, or --port 0 for any free port.',
    );
  }
  return port;
}

/** `--labels a,b`: lower-case labels. */
export function parseLabelsOption(value: string): string[] {
  try {
    return parseLabels(value);
  } catch (error) {
    if (error instanceof MiaError) throw new UsageError(error.message, error.hint);
    throw error;
  }
}
