// Reads what a client sends on the narrative socket: one JSON message, checked field by field,
// and channel names (`workflow:<run-id>` or `workflow:*`) that can never name a path.

import { isRunId } from '../util/names.js';
import { ALL_RUNS_CHANNEL, type ClientMessage } from './protocol.js';

/** What a channel names: one run, or every run (`*`). */
export type ChannelTarget = { runId: string } | { runId: '*' };

const CHANNEL_PREFIX = 'workflow:';
const MESSAGE_TYPES = 'auth, subscribe, unsubscribe, replay, ping';

/** A message, or why it is not one (said back to the client as `{type:'error'}`). */
export function parseClientMessage(text: string): ClientMessage | { error: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { error: 'The message is not JSON: send one JSON object per message.' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { error: 'The message is not a JSON object with a "type".' };
  }
  const message = value as Record<string, unknown>;
  switch (message.type) {
    case 'auth':
      return typeof message.token === 'string'
        ? { type: 'auth', token: message.token }
        : { error: 'An auth message needs a "token" string.' };
    case 'ping':
      return { type: 'ping' };
    case 'subscribe':
    case 'unsubscribe':
    case 'replay':
      return parseChannelMessage(message.type, message);
    default:
      return {
        error: `Unknown message type ${JSON.stringify(message.type ?? null)}; known: ${MESSAGE_TYPES}.`,
      };
  }
}

function parseChannelMessage(
  type: 'subscribe' | 'unsubscribe' | 'replay',
  message: Record<string, unknown>,
): ClientMessage | { error: string } {
  const { channel, since, batch } = message;
  if (typeof channel !== 'string') {
    return {
      error: `A ${type} message needs a "channel" string (workflow:<run-id> or workflow:*).`,
    };
  }
  const isSinceValid = typeof since === 'number' && Number.isSafeInteger(since) && since >= 0;
  if (since !== undefined && !isSinceValid) {
    return {
      error: `"since" must be a whole number of at least 0 (a seq), not ${JSON.stringify(since)}.`,
    };
  }
  if (type === 'unsubscribe') return { type, channel };
  if (batch !== undefined && typeof batch !== 'boolean') {
    return {
      error: `"batch" must be true (events in batches) or false (one event per message), not ${JSON.stringify(batch)}.`,
    };
  }
  const mode = batch === true ? { batch } : {};
  if (type === 'replay') {
    if (!isSinceValid)
      return { error: 'A replay message needs "since" (the last seq you have, or 0).' };
    return { type, channel, since: since as number, ...mode };
  }
  return since === undefined
    ? { type, channel, ...mode }
    : { type, channel, since: since as number, ...mode };
}

/** The run (or every run) a channel names, or why the name is refused. */
export function parseChannel(channel: string): ChannelTarget | { error: string } {
  if (channel === ALL_RUNS_CHANNEL) return { runId: '*' };
  const runId = channel.startsWith(CHANNEL_PREFIX) ? channel.slice(CHANNEL_PREFIX.length) : '';
  if (isRunId(runId)) return { runId };
  return {
    error: `Unknown channel ${JSON.stringify(channel)}: use workflow:<run-id> (letters, digits, "-" and "_") or workflow:*.`,
  };
}
