// Holds a client's live events while something settles (a replay reading the log, or the client's
// first message), then hands them on in the order they came.

import type { EncodedEvent } from './fan-out.js';

/** Live events held for one client, at most: past this, the client is cut off. */
const MAX_HELD_EVENTS = 50_000;

export class LiveHold {
  readonly #release: (held: EncodedEvent[]) => void;
  readonly #overflow: () => void;
  #held: EncodedEvent[] = [];
  #reasons = 0;

  /** `release` takes the held events once no reason is left; `overflow` cuts the client off. */
  constructor(release: (held: EncodedEvent[]) => void, overflow: () => void) {
    this.#release = release;
    this.#overflow = overflow;
  }

  /** True while events are held. */
  get isHolding(): boolean {
    return this.#reasons > 0;
  }

  /** Holds events from now on. Returns the function that ends this reason (once; later calls do nothing). */
  begin(): () => void {
    this.#reasons += 1;
    let isEnded = false;
    return () => {
      if (isEnded) return;
      isEnded = true;
      this.#reasons -= 1;
      if (this.#reasons > 0) return;
      const held = this.#held;
      this.#held = [];
      this.#release(held);
    };
  }

  /** Keeps events until the hold ends. */
  add(events: readonly EncodedEvent[]): void {
    for (const item of events) this.#held.push(item);
    if (this.#held.length > MAX_HELD_EVENTS) this.#overflow();
  }
}
