// Connecting to the queue's Redis: the URL (redis:// or rediss:// for TLS), shown only with its
// password masked; a fail-fast probe before anything is dispatched; options for BullMQ and ioredis.

import { readFileSync } from 'node:fs';
import { Redis, type RedisOptions } from 'ioredis';
import { MiaError } from '../errors.js';

/** The variable naming a CA certificate (PEM) that a rediss:// server's certificate chains to. */
export const CA_VARIABLE = 'MIA_QUEUE_CA';

/** The URL with its password (and a user name) masked: the only way a queue URL is shown. */
export function maskQueueUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    else if (parsed.username !== '') parsed.username = '***';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return '(an unreadable URL)';
  }
}

/** Checks `--queue` / MIA_QUEUE: a redis:// or rediss:// URL. */
export function checkQueueUrl(url: string): string {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined || (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:')) {
    throw new MiaError(
      'MIA_QUEUE_URL',
      `--queue "${maskQueueUrl(url)}" is not a redis:// or rediss:// URL.`,
      {
        hint: 'For example: --queue redis://127.0.0.1:6379 (or MIA_QUEUE=redis://…); rediss:// for TLS.',
        isRetriable: false,
      },
    );
  }
  return url;
}

/** How BullMQ and ioredis connect to the queue (BullMQ reads `url`; ioredis takes the rest). */
export interface QueueConnection {
  url: string;
  keepAlive: number;
  tls?: { ca?: Buffer };
}

/** Connection options for `url`: TLS trusting MIA_QUEUE_CA when set, keep-alive. */
export function getConnectionOptions(
  url: string,
  env: NodeJS.ProcessEnv = process.env,
): QueueConnection {
  const options: QueueConnection = { url, keepAlive: 10_000 };
  const caFile = env[CA_VARIABLE];
  if (url.startsWith('rediss:')) {
    options.tls = caFile ? { ca: readFileSync(caFile) } : {};
  }
  return options;
}

/** A plain client of the queue's Redis (mia's own streams, the registry, cancellations). */
export function createRedisClient(url: string, extra: RedisOptions = {}): Redis {
  const { keepAlive, tls } = getConnectionOptions(url);
  const client = new Redis(url, {
    keepAlive,
    ...(tls === undefined ? {} : { tls }),
    maxRetriesPerRequest: 2,
    ...extra,
  });
  // An 'error' with no listener would throw: failures show where commands fail instead.
  client.on('error', () => undefined);
  return client;
}

/**
 * Connects once, failing fast with a message naming the (masked) URL and the cause: run before
 * anything is dispatched, so that an unreachable Redis is said at once instead of waited on.
 */
export async function probeRedis(url: string): Promise<void> {
  let lastError: Error | undefined;
  const client = createRedisClient(url, {
    lazyConnect: true,
    connectTimeout: 3000,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
  });
  client.on('error', (error: Error) => {
    lastError = error;
  });
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    throw createUnreachableError(url, lastError ?? error);
  } finally {
    client.disconnect();
  }
}

/** Redis could not be reached: say where (masked) and why, and that the run can be resumed. */
export function createUnreachableError(url: string, cause: unknown): MiaError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new MiaError(
    'MIA_QUEUE_UNREACHABLE',
    `The queue's Redis at ${maskQueueUrl(url)} is unreachable: ${reason}.`,
    {
      hint: 'Start Redis (or check the URL, its password and MIA_QUEUE_CA for rediss://), then try again; a run it stopped resumes with: mia workflow resume --last --queue URL.',
      cause,
      isRetriable: false,
    },
  );
}
