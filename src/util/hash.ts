// Content hashes: what precomputed and recorded data is checked against.

import { createHash } from 'node:crypto';

/** sha256 of text or bytes, in hex. */
export function hashSha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
