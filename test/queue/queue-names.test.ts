// The queue's pure parts: labels, queue names, job ids, attempt numbering across sessions, masked
// URLs, the records of an attempt's stream, and which steps stay with the run.

import { describe, expect, it } from 'vitest';
import { countPriorAttempts } from '../../src/queue/attempt-numbers.js';
import { checkQueueUrl, maskQueueUrl } from '../../src/queue/connection.js';
import { decodeRecord, encodeRecord, type StreamRecord } from '../../src/queue/protocol.js';
import { isRemoteStep, pickReadSteps } from '../../src/queue/queue-executor.js';
import { getJobId, listServedLabelSets, parseLabels } from '../../src/queue/settings.js';
import { makeResolvedStep } from '../helpers/resolved-workflow.js';
import { RunEvents } from '../helpers/run-events.js';

describe('labels and names', () => {
  it('sorts labels and drops repeats', () => {
    expect(parseLabels('linux, gpu,linux')).toEqual(['gpu', 'linux']);
  });

  it.each([
    ['GPU', /not lower-case letters/],
    ['a:b', /not lower-case letters/],
    ['local', /reserved/],
  ])('refuses the label %s and says why', (label, message) => {
    expect(() => parseLabels(label)).toThrow(message);
  });

  it('serves every subset of its labels, the empty one included', () => {
    expect(listServedLabelSets(['gpu', 'linux']).map((set) => set.join(','))).toEqual([
      '',
      'gpu',
      'linux',
      'gpu,linux',
    ]);
  });

  it('names a job by run, step, definition and attempt, without a colon', () => {
    expect(getJobId('20261203-070637-62331c', 'test:unit', 'abcdef0123456789', 2)).toBe(
      '20261203-070637-62331c.test%3Aunit.abcdef01.a2',
    );
  });
});

describe('attempt numbers across sessions', () => {
  it('counts the attempt ends recorded before the current session began', () => {
    const log = new RunEvents();
    log.add('workflow.started', { workflow: 'w', narrative: 'n', inputs: {}, steps: [] } as never);
    log.add('workflow.step.retrying', {
      stepId: 'a',
      attempt: 2,
      delayMs: 0,
      error: { message: 'x' },
    });
    log.add('workflow.step.failed', {
      stepId: 'a',
      durationMs: 1,
      error: { message: 'x' },
    } as never);
    log.add('workflow.step.started', {
      stepId: 'b',
      universe: 'engineer',
      action: 'shell',
      attempt: 1,
    });
    log.add('workflow.resumed', { rerun: ['a', 'b'], kept: [], definitionChanged: false } as never);
    log.add('workflow.step.failed', {
      stepId: 'a',
      durationMs: 1,
      error: { message: 'y' },
    } as never);
    const prior = countPriorAttempts(log.events);
    // `a` ended twice before the resume; `b` was dispatched but its end never recorded: adopted.
    expect(prior.get('a')).toBe(2);
    expect(prior.get('b')).toBeUndefined();
  });
});

describe('queue URLs', () => {
  it.each([
    ['redis://:s3cret@host:6379', 'redis://:***@host:6379'],
    ['rediss://user:s3cret@host:6380/2', 'rediss://user:***@host:6380/2'],
    ['redis://token@host', 'redis://***@host'],
    ['redis://host:6379', 'redis://host:6379'],
  ])('shows %s as %s', (url, shown) => {
    expect(maskQueueUrl(url)).toBe(shown);
  });

  it('refuses a URL of another scheme without showing its password', () => {
    expect(() => checkQueueUrl('http://u:pw@host')).toThrow(
      '--queue "http://u:***@host" is not a redis:// or rediss:// URL.',
    );
  });
});

describe('stream records', () => {
  it.each<StreamRecord>([
    { kind: 'started', worker: { id: 'w.1', host: 'h', pid: 1 } },
    { kind: 'out', stream: 'stderr', data: Buffer.from([0, 255, 10, 0xe2]) },
    { kind: 'info', text: 'waiting' },
    { kind: 'end', result: { status: 'completed', outputs: { a: 1 } } },
  ])('decodes what it encodes ($kind), bytes exact', (record) => {
    expect(decodeRecord(encodeRecord(record))).toEqual(record);
  });
});

describe('where a step runs', () => {
  it.each([
    ['shell', undefined, true],
    ['shell', 'local' as const, false],
    ['shell', ['gpu'], true],
    ['approve', undefined, false],
    ['wait', ['gpu'], false],
    ['workflow', undefined, false],
    ['merge-pr', undefined, false],
  ])('%s with runs_on %j goes to a worker: %s', (action, runsOn, remote) => {
    const step = makeResolvedStep('s', [], { action, ...(runsOn === undefined ? {} : { runsOn }) });
    expect(isRemoteStep(step)).toBe(remote);
  });

  it('keeps home a step whose cache restores files (they live in the coordinator’s workspace)', () => {
    const cache = { inputs: ['src/**'], outputs: ['dist/**'], key: '' };
    expect(isRemoteStep(makeResolvedStep('s', [], { action: 'shell', cache }))).toBe(false);
    const keyed = { inputs: ['src/**'], outputs: [], key: '' };
    expect(isRemoteStep(makeResolvedStep('s', [], { action: 'shell', cache: keyed }))).toBe(true);
  });
});

describe('what a job carries of the steps before it', () => {
  it('carries the outputs of the steps its definition names, not every step of the run', () => {
    const step = makeResolvedStep('deploy', ['build'], {
      with: { run: 'echo ${{ steps.build.outputs.sha }}' },
      env: { TAG: '${{ steps.tag.outputs.name }}' },
    });
    const settled = {
      build: { status: 'completed', outputs: { sha: 'abc' } },
      tag: { status: 'completed', outputs: { name: 'v1' } },
      lint: { status: 'completed', outputs: { stdout: 'x'.repeat(1000) } },
    };
    expect(Object.keys(pickReadSteps(step, settled)).sort()).toEqual(['build', 'tag']);
  });
});
