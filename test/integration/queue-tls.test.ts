// rediss://: the queue over TLS, with a real redis-server listening with TLS only and a CA the
// coordinator and the worker trust through MIA_QUEUE_CA.

import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runMia } from '../helpers/cli.js';
import { createQueueWorkspace, payloadsOf, readRunEvents } from '../helpers/queue-workspace.js';
import { startTestRedis, type TestRedis, type TestTls } from '../helpers/redis-server.js';
import { startTestWorker, TEST_QUEUE_ENV } from '../helpers/test-worker.js';

const exec = promisify(execFile);
let redis: TestRedis;
let certs: string;
let tls: TestTls;

/** A CA and a server certificate for 127.0.0.1, made with openssl. */
async function makeCertificates(dir: string): Promise<TestTls> {
  const at = (file: string) => join(dir, file);
  const openssl = (...args: string[]) => exec('openssl', args, { cwd: dir });
  await openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '2',
    '-subj',
    '/CN=mia-test-ca',
  );
  await openssl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
    '-subj',
    '/CN=localhost',
  );
  await writeFile(at('ext.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  await openssl(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.crt',
    '-days',
    '2',
    '-extfile',
    'ext.cnf',
  );
  return { certFile: at('server.crt'), keyFile: at('server.key'), caFile: at('ca.crt') };
}

beforeAll(async () => {
  certs = await mkdtemp(join(tmpdir(), 'mia-queue-tls-'));
  tls = await makeCertificates(certs);
  redis = await startTestRedis([], tls);
});
afterAll(async () => {
  await redis?.stop();
  await rm(certs, { recursive: true, force: true });
});

it('runs a step on a worker over rediss:// with the CA in MIA_QUEUE_CA, and refuses an untrusted server clearly', async () => {
  const dir = await createQueueWorkspace({
    w: 'name: w\nnarrative: "Over TLS"\nsteps:\n  - id: a\n    action: shell\n    with: { run: "echo secure" }\n',
  });
  const env = { ...TEST_QUEUE_ENV, MIA_QUEUE_CA: tls.caFile };
  const worker = await startTestWorker(dir, redis.url, { env });
  try {
    expect(redis.url.startsWith('rediss://')).toBe(true);
    const untrusted = await runMia(['workflow', 'run', 'w', '--queue', redis.url], {
      cwd: dir,
      env: TEST_QUEUE_ENV,
    });
    expect(untrusted.exitCode).toBe(2);
    expect(untrusted.stderr).toMatch(/unreachable: .*(self-signed|self signed|certificate)/i);
    const result = await runMia(['workflow', 'run', 'w', '--queue', redis.url], { cwd: dir, env });
    expect(result.exitCode, result.stderr).toBe(0);
    const events = await readRunEvents(dir);
    expect(
      ((payloadsOf(events, 'workflow.step.started', 'a')[0]?.worker ?? {}) as { pid?: number }).pid,
    ).toBe(worker.pid);
    expect(
      (
        (payloadsOf(events, 'workflow.step.completed', 'a')[0]?.outputs ?? {}) as {
          stdout?: string;
        }
      ).stdout,
    ).toBe('secure');
  } finally {
    await worker.stop();
    await rm(dir, { recursive: true, force: true });
  }
});
