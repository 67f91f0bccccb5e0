// Reads what a client sends on the narrative socket: one JSON message, checked field by field
// (channel names are checked by channels.ts).

import { ALL_RUNS_CHANNEL, type ClientMessage, type ReplaySince } from './protocol.js';

/** Longest event id accepted in `since` (ids are UUIDs). */
const MAX_EVENT_ID_LENGTH = 200;
const MESSAGE_TYPES = 'auth, subscribe, unsubscribe, replay, ping';

/** Why an `auth` message is not one: it has no token string. */
export const AUTH_WITHOUT_TOKEN = 'An auth message needs a "token" string.';

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
        : { error: AUTH_WITHOUT_TOKEN };
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
  if (channel !== undefined && typeof channel !== 'string') {
    return { error: `"channel" must be a string (${ALL_RUNS_CHANNEL}, workflow:<run-id>, stc:…).` };
  }
  if (channel === undefined && type !== 'replay') {
    return {
      error: `A ${type} message needs a "channel" string (workflow:<run-id> or ${ALL_RUNS_CHANNEL}).`,
    };
  }
  if (type === 'unsubscribe') return { type, channel: channel as string };
  const given = parseSince(since);
  if (typeof given === 'object') return given;
  if (batch !== undefined && typeof batch !== 'boolean') {
    return {
      error: `"batch" must be true (events in batches) or false (one event per message), not ${JSON.stringify(batch)}.`,
    };
  }
  const mode = batch === true ? { batch } : {};
  const from = given === undefined ? {} : { since: given };
  if (type === 'subscribe') return { type, channel: channel as string, ...from, ...mode };
  if (channel === undefined) {
    if (typeof given === 'number') {
      return {
        error:
          'A replay without a "channel" takes "since" as an event id (the "id" of the last event you have), not a seq.',
      };
    }
    return { type, ...from, ...mode };
  }
  if (given === undefined) {
    return {
      error:
        'A replay of a channel needs "since": the last seq you have (0 for everything), or the id of the last event you have.',
    };
  }
  return { type, channel, since: given, ...mode };
}

/** `since`: a seq (a whole number from 0) or an event id (a non-empty string), or absent. */
function parseSince(since: unknown): ReplaySince | undefined | { error: string } {
  if (since === undefined) return undefined;
  if (typeof since === 'number' && Number.isSafeInteger(since) && since >= 0) return since;
  if (typeof since === 'string' && since !== '' && since.length <= MAX_EVENT_ID_LENGTH)
    return since;
  return {
    error: `"since" must be a seq (a whole number of at least 0) or an event id (a string), not ${JSON.stringify(since)}.`,
  };
}
