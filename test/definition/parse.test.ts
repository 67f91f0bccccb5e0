import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  MAX_DEPTH,
  MAX_FILE_BYTES,
  parseWorkflowFile,
  parseWorkflowText,
} from '../../src/definition/parse.js';
import { createWorkspace, yaml } from './fixtures.js';

describe('parseWorkflowText', () => {
  it('keeps the data and maps a path back to its line and column', () => {
    const parsed = parseWorkflowText(
      yaml('name: demo', 'steps:', '  - id: build', '    action: shell'),
      'demo.yaml',
    );
    expect(parsed.problems).toEqual([]);
    expect(parsed.data).toEqual({ name: 'demo', steps: [{ id: 'build', action: 'shell' }] });
    expect(parsed.locate(['steps', 0, 'action'])).toEqual({ file: 'demo.yaml', line: 4, col: 13 });
    expect(parsed.locate(['steps', 0, 'action'], { key: true })).toEqual({
      file: 'demo.yaml',
      line: 4,
      col: 5,
    });
  });

  it('falls back to the nearest existing parent for a path that is not in the file', () => {
    const parsed = parseWorkflowText(yaml('name: demo', 'steps:', '  - id: build'), 'demo.yaml');
    expect(parsed.has(['steps', 0, 'with', 'run'])).toBe(false);
    expect(parsed.locate(['steps', 0, 'with', 'run'])).toEqual({
      file: 'demo.yaml',
      line: 3,
      col: 5,
    });
    expect(parsed.locate(['steps', 7])).toEqual({ file: 'demo.yaml', line: 3, col: 3 });
  });

  it('reports a syntax error with its file, line and column', () => {
    const parsed = parseWorkflowText(yaml('name: demo', 'steps: [a, b', 'x: 1'), 'bad.yaml');
    expect(parsed.data).toBeUndefined();
    expect(parsed.problems[0]?.position).toEqual({ file: 'bad.yaml', line: 3, col: 1 });
    expect(parsed.problems[0]?.message).toMatch(/^YAML: /);
  });

  it('refuses duplicate keys and points at the second one', () => {
    const parsed = parseWorkflowText(yaml('name: a', 'narrative: x', 'name: b'), 'dup.yaml');
    expect(parsed.data).toBeUndefined();
    expect(parsed.problems).toEqual([
      { message: 'YAML: Map keys must be unique', position: { file: 'dup.yaml', line: 3, col: 1 } },
    ]);
  });

  it.each([
    ['!!js/function', 'run: !!js/function "function () { return 1 }"', '!!js/function'],
    ['a custom tag', 'run: !shell echo', '!shell'],
    ['!!binary', 'run: !!binary aGVsbG8=', '!!binary'],
    ['!!timestamp', 'run: !!timestamp 2001-12-14', '!!timestamp'],
  ])('refuses %s', (_name, line, tag) => {
    const parsed = parseWorkflowText(yaml('name: demo', line), 'tags.yaml');
    expect(parsed.data).toBeUndefined();
    expect(parsed.problems).toHaveLength(1);
    expect(parsed.problems[0]?.message).toContain(`tag "${tag}" is not allowed`);
    expect(parsed.problems[0]?.position).toEqual({ file: 'tags.yaml', line: 2, col: 6 });
  });

  it('accepts the core tags such as !!str', () => {
    const parsed = parseWorkflowText(yaml('version: !!str 1'), 'ok.yaml');
    expect(parsed.problems).toEqual([]);
    expect(parsed.data).toEqual({ version: '1' });
  });

  it('rejects a billion laughs quickly', () => {
    const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (const [index, name] of ['b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'].entries()) {
      const previous = String.fromCharCode('a'.charCodeAt(0) + index);
      lines.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(',')}]`);
    }
    const started = performance.now();
    const parsed = parseWorkflowText(yaml(...lines), 'bomb.yaml');
    expect(performance.now() - started).toBeLessThan(1000);
    expect(parsed.data).toBeUndefined();
    expect(parsed.problems[0]?.message).toMatch(/aliases .* YAML bomb/);
  });

  it('allows a few aliases for honest reuse', () => {
    const parsed = parseWorkflowText(yaml('a: &env { X: 1 }', 'b: *env'), 'ok.yaml');
    expect(parsed.problems).toEqual([]);
    expect(parsed.data).toEqual({ a: { X: 1 }, b: { X: 1 } });
  });

  it('keeps __proto__ keys as plain data without polluting any prototype', () => {
    const parsed = parseWorkflowText(
      yaml('__proto__:', '  polluted: yes', 'with:', '  __proto__: { polluted: yes }'),
      'proto.yaml',
    );
    expect(parsed.problems).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const data = parsed.data as Record<string, unknown>;
    expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
    expect(Object.keys(data)).toEqual(['__proto__', 'with']);
    expect((data as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it('refuses keys that are maps or lists', () => {
    const parsed = parseWorkflowText(yaml('? [a, b]', ': 1'), 'keys.yaml');
    expect(parsed.data).toBeUndefined();
    expect(parsed.problems[0]?.message).toMatch(/keys must be plain values/);
  });

  it('refuses nesting deeper than the limit', () => {
    const deep = `x: ${'['.repeat(MAX_DEPTH + 2)}${']'.repeat(MAX_DEPTH + 2)}`;
    const parsed = parseWorkflowText(yaml(deep), 'deep.yaml');
    expect(parsed.data).toBeUndefined();
    expect(parsed.problems[0]?.message).toMatch(/nesting deeper than 64 levels/);
  });

  it('refuses several documents in one file', () => {
    const parsed = parseWorkflowText(yaml('name: a', '---', 'name: b'), 'multi.yaml');
    expect(parsed.data).toBeUndefined();
    expect(parsed.problems[0]?.position?.line).toBe(2);
  });
});

describe('parseWorkflowFile', () => {
  let workspace: Awaited<ReturnType<typeof createWorkspace>>;
  beforeEach(async () => {
    workspace = await createWorkspace();
  });
  afterEach(() => workspace.cleanup());

  it('refuses a file over 1 MiB before parsing it', async () => {
    const path = await workspace.write('big.yaml', `a: "${'x'.repeat(MAX_FILE_BYTES)}"\n`);
    const parsed = await parseWorkflowFile(path, 'big.yaml');
    expect(parsed.data).toBeUndefined();
    expect(parsed.problems).toEqual([
      {
        message: `The file is ${MAX_FILE_BYTES + 6} bytes; workflow files are limited to ${MAX_FILE_BYTES} bytes (1 MiB).`,
        position: { file: 'big.yaml', line: 1, col: 1 },
      },
    ]);
  });

  it('throws the file system error for a missing file', async () => {
    await expect(parseWorkflowFile(`${workspace.root}/missing.yaml`)).rejects.toMatchObject({
      code: 'ENOENT',
    });
  });
});
