// Channels of the narrative socket, after the mia pattern `<domain>:<id>` (`<domain>:*`: every id):
// `workflow:` names a run's events, `stc:` its chart events. Which events each client receives.

import type { MiaEvent } from '../events/types.js';
import { isRunId } from '../util/names.js';

/** A channel a client subscribes to: one run of a domain, or every run (`id: '*'`). */
export interface Channel {
  readonly name: string;
  readonly domain: 'workflow' | 'stc';
  readonly id: string;
}

const DOMAINS = new Set(['workflow', 'stc']);
const CHANNEL_FORMS = 'workflow:<run-id>, workflow:*, stc:<run-id> or stc:*';

/** The channel a name gives, or why it is refused (no name can ever reach a path). */
export function parseChannel(name: string): Channel | { error: string } {
  const colon = name.indexOf(':');
  const domain = name.slice(0, colon);
  const id = name.slice(colon + 1);
  if (colon > 0 && DOMAINS.has(domain) && (id === '*' || isRunId(id))) {
    return { name, domain: domain as Channel['domain'], id };
  }
  return {
    error: `Unknown channel ${JSON.stringify(name)}: use ${CHANNEL_FORMS} (a run id is letters, digits, "-" and "_").`,
  };
}

/**
 * True for a chart event. Matched by its channel (`stc:<run-id>`, the mia chart channel) and by
 * its type, so chart events written while they were still on `workflow:<run-id>` count too.
 */
export function isChartEvent(event: MiaEvent): boolean {
  return event.type === 'chart.progress' || event.channel.startsWith('stc:');
}

/** True when `channel` carries `event`: `workflow:` every event of its runs, `stc:` their charts. */
export function isInChannel(channel: Channel, event: MiaEvent): boolean {
  if (channel.id !== '*' && channel.id !== event.runId) return false;
  return channel.domain === 'workflow' || isChartEvent(event);
}

/**
 * What a client that has not subscribed receives (the mia server's rule): every event of every run,
 * except step log lines, which need a subscription to their run.
 */
export function isBroadcast(event: MiaEvent): boolean {
  return event.type !== 'workflow.step.log';
}

/** How an event goes to a client: undefined when it does not want it, else whether it is batched. */
export type Delivery = boolean | undefined;

/** The channels one client follows. Until its first `subscribe`, it receives the broadcast. */
export class Subscriptions {
  readonly #channels = new Map<string, { channel: Channel; isBatched: boolean }>();
  #hasSubscribed = false;

  /** False until the client's first `subscribe`: until then it receives the broadcast. */
  get hasSubscribed(): boolean {
    return this.#hasSubscribed;
  }

  /** Follows a channel (again: with the new batch choice). */
  add(channel: Channel, isBatched: boolean): void {
    this.#hasSubscribed = true;
    this.#channels.set(channel.name, { channel, isBatched });
  }

  /** Stops following a channel; false when it was not followed. */
  remove(name: string): boolean {
    return this.#channels.delete(name);
  }

  /** How `event` goes to this client. A channel naming its run decides over a wildcard. */
  getDelivery(event: MiaEvent): Delivery {
    if (!this.#hasSubscribed) return isBroadcast(event) ? false : undefined;
    let delivery: Delivery;
    for (const { channel, isBatched } of this.#channels.values()) {
      if (!isInChannel(channel, event)) continue;
      if (channel.id !== '*') return isBatched;
      delivery ??= isBatched;
    }
    return delivery;
  }

  /** What the client wants now, frozen: later subscriptions do not change it. */
  snapshot(): (event: MiaEvent) => boolean {
    const copy = new Subscriptions();
    copy.#hasSubscribed = this.#hasSubscribed;
    for (const [name, entry] of this.#channels) copy.#channels.set(name, entry);
    return (event) => copy.getDelivery(event) !== undefined;
  }
}
