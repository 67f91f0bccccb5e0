// A real redis-server for a test file: on a free port, nothing persisted, killed by its pid.

import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { waitUntil } from './processes.js';

/** A redis-server a test started. */
export interface TestRedis {
  url: string;
  port: number;
  process: ChildProcess;
  /** A client for the test's own checks (scans, state). */
  client: Redis;
  /** Kills the server (SIGKILL): what a crash or a pulled cable looks like to its clients. */
  kill(): Promise<void>;
  /** Starts it again on the same port, empty. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** A port free now (the kernel picks it). */
export async function findFreePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** A server certificate (PEM files) for TLS, and the CA that signed it. */
export interface TestTls {
  certFile: string;
  keyFile: string;
  caFile: string;
}

/**
 * Starts `redis-server` (fails, saying how to install it, when the machine has none); with `tls`,
 * it listens with TLS only (rediss://).
 */
export async function startTestRedis(extraArgs: string[] = [], tls?: TestTls): Promise<TestRedis> {
  const port = await findFreePort();
  const at = extraArgs.indexOf('--requirepass');
  const password = at >= 0 ? extraArgs[at + 1] : undefined;
  const auth = {
    ...(password === undefined ? {} : { password }),
    ...(tls === undefined ? {} : { tls: { ca: readFileSync(tls.caFile) } }),
  };
  const url = `${tls ? 'rediss' : 'redis'}://127.0.0.1:${port}`;
  const launch = async (): Promise<ChildProcess> => {
    const child = spawn(
      'redis-server',
      [
        ...(tls
          ? ['--port', '0', '--tls-port', String(port), '--tls-cert-file', tls.certFile]
          : ['--port', String(port)]),
        ...(tls ? ['--tls-key-file', tls.keyFile, '--tls-ca-cert-file', tls.caFile] : []),
        ...(tls ? ['--tls-auth-clients', 'no'] : []),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        ...extraArgs,
      ],
      {
        stdio: 'ignore',
      },
    );
    const failed = new Promise<Error>((resolve) => child.once('error', resolve));
    const probe = new Redis(port, '127.0.0.1', {
      ...auth,
      lazyConnect: true,
      retryStrategy: () => null,
      maxRetriesPerRequest: 0,
    });
    probe.on('error', () => undefined);
    const isUp = await Promise.race([
      waitUntil(
        async () =>
          (await probe.connect().then(
            () => probe.ping(),
            () => undefined,
          )) === 'PONG',
      ),
      failed.then((error) => {
        throw new Error(
          `redis-server could not start (${error.message}): install it (apt-get install redis-server).`,
        );
      }),
    ]);
    probe.disconnect();
    if (!isUp) throw new Error(`redis-server did not answer on port ${port}.`);
    return child;
  };
  let child = await launch();
  const client = new Redis(port, '127.0.0.1', { ...auth, maxRetriesPerRequest: 1 });
  client.on('error', () => undefined);
  const kill = async () => {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    if (child.exitCode === null) child.kill('SIGKILL');
    await exited;
  };
  const redis: TestRedis = {
    url,
    port,
    get process() {
      return child;
    },
    client,
    kill,
    restart: async () => {
      child = await launch();
    },
    stop: async () => {
      client.disconnect();
      if (child.exitCode === null) await kill();
    },
  };
  return redis;
}
